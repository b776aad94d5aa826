import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../cli/helpers.js";
import type { DamosOutcomeJson } from "../../src/eval/damos.js";

interface RunDoc {
  schema: string;
  runs: { ops: string; durationNs: number; damos: DamosOutcomeJson | null }[];
}

function runJson(args: string[]): RunDoc {
  const r = cli(["run", ...args, "--tlb", "off", "--no-heatmap", "--json"], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as RunDoc;
}

test("run --json carries the DAMOS outcome of a pageout scheme (docs/json-output.md)", () => {
  // cold-half at 1/32 size: the cold half is idle from 1 s on and gets paged out.
  const j = runJson([
    "cold-half",
    "--scale",
    "0.03125",
    "--duration",
    "2500ms",
    "--memory",
    "32MiB",
    "--scheme",
    "pageout nr=0..0 age=500ms..",
  ]);
  assert.equal(j.schema, "damon-ts/run/1");
  const d = j.runs[0].damos!;
  assert.ok(d, "a run with schemes has a damos outcome");
  assert.equal(d.preset, null);
  assert.equal(d.tiering, null);
  assert.equal(d.schemes.length, 1);
  const s = d.schemes[0];
  assert.equal(s.kdamond, 0);
  assert.equal(s.action, "pageout");
  assert.ok(s.szApplied > 0 && s.szApplied <= s.szTried, `applied ${s.szApplied} of ${s.szTried}`);
  assert.ok(s.nrApplied <= s.nrTried);
  assert.equal(s.effectiveQuotaBytes, null, "no quota");
  // What was paged out is what the executor evicted.
  const r = d.reclaim!;
  assert.equal(r.pagedOutBytes, d.memory.pageoutReclaimed * 4096);
  assert.ok(r.pagedOutBytes > 0 && r.pagedOutBytes <= s.szApplied);
  assert.ok(r.memorySaved! > 0, `saved ${r.memorySaved}`);
  assert.equal(typeof r.slowdown, "number");
  // The kdamond CPU splits into sampling and actions; the pageouts took time.
  assert.ok(s.actionNs > 0);
  assert.ok(Math.abs(d.cpu.share - d.cpu.monitorShare - d.cpu.actionShare) < 1e-12);
  assert.ok(Math.abs(d.cpu.actionShare - s.actionNs / j.runs[0].durationNs) < 1e-12);
  assert.equal(d.cpu.kdamonds.length, 1);
  assert.ok(d.cpu.kdamonds[0].samples > 0 && d.cpu.kdamonds[0].regionsPerSample >= 1);
});

test("run --json: the tiering preset reports both kdamonds' schemes, shares and the oracle", () => {
  const j = runJson([
    "zipf-kv",
    "--preset",
    "tiering",
    "--scale",
    "0.015625",
    "--duration",
    "1s",
    "--memory",
    "64MiB",
    "--fast-memory",
    "8MiB",
    "--start-tier",
    "slow",
    "--no-baseline",
  ]);
  const d = j.runs[0].damos!;
  assert.equal(d.preset, "tiering");
  assert.equal(d.reclaim, null);
  assert.deepEqual(
    d.schemes.map((s) => [s.kdamond, s.action]),
    [
      [0, "migrate_hot"],
      [1, "migrate_cold"],
    ],
  );
  assert.equal(d.cpu.kdamonds.length, 2);
  const t = d.tiering!;
  assert.ok(t.oracleShare > 0 && t.oracleShare <= 1);
  assert.ok(t.fastShare >= 0 && t.fastShare <= 1);
  assert.equal(t.slowdownVsAllFast, null, "--no-baseline: not measured");
  // Everything started on the slow node: promotions are the migrations DAMOS made.
  assert.ok(t.migratedPages > 0);
  assert.equal(t.migratedBytes, t.migratedPages * 4096);
  const hot = d.schemes[0];
  assert.ok(hot.szApplied > 0 && hot.szApplied <= t.migratedBytes);
});
