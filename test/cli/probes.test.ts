import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readRecords } from "../../src/record/read.js";
import { regionProbeHits } from "../../src/record/probe-hits.js";
import { cli } from "./helpers.js";
import { tempDir } from "../helpers/temp.js";

test("run --probe 'anon,weight=1': data-attributes only — no access check — and probe hits in the record", async () => {
  const rec = join(tempDir("cli-probes-"), "rec.json");
  const r = cli([
    "run",
    "stairs",
    "--scale",
    "64",
    "--duration",
    "500ms",
    "--ops",
    "vaddr",
    "--probe",
    "anon,weight=1",
    "--record",
    rec,
    "--record-format",
    "json",
    "--no-baseline",
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { runs: { summary: { checksPerSec: number } }[] };
  assert.equal(out.runs[0].summary.checksPerSec, 0);
  const [record] = await readRecords(rec);
  assert.ok(record.snapshots.length >= 3);
  const hits = record.snapshots.flatMap((s) => Array.from({ length: s.nr }, (_, i) => regionProbeHits(s, i)));
  assert.ok(hits.every((h) => h.length === 1 && h[0] <= 20));
  assert.ok(
    hits.some((h) => h[0] > 0),
    "anonymous pages are hit",
  );
  assert.ok(
    record.snapshots.every((s) => s.samples.every((n) => n === 0)),
    "nr_accesses never counted",
  );
});

test("run --probe usage errors exit 2 with one line naming --probe", () => {
  const r = cli(["run", "stairs", "--probe", "anon,weight=1", "--aggr", "2s", "--duration", "100ms"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /^damon-ts: --probe: weighted probes need at most 255 samples per aggregation \(here 400\)\n$/,
  );
});

test("run --probe with an operation set that does not evaluate probes is a usage error", () => {
  const r = cli(["run", "stairs", "--probe", "anon", "--ops", "vaddr-fault", "--duration", "100ms"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--probe: probes are evaluated by vaddr and paddr only, not by vaddr-fault/);
});
