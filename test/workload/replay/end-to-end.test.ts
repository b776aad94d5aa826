/**
 * Acceptance (issue 7): capture a program not written for this project (`sort`
 * of a small generated file) with `damon-ts trace capture`, then replay it with
 * `damon-ts run trace:FILE --json`. Runs in a few seconds; skipped only when
 * valgrind is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../../src/util/rng.js";
import { findValgrind } from "../../../src/workload/trace/valgrind-tool.js";
import { cli } from "../../cli/helpers.js";

const skip = findValgrind() ? false : "valgrind is not installed (apt-get install valgrind): capture skipped";
const dir = mkdtempSync(join(tmpdir(), "dt-e2e-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  schema: string;
  runs: {
    workload: string;
    durationNs: number;
    summary: { windows: number; appAccesses: number; trueWssMedianBytes: number; estWssMedianBytes: number };
    windows: { trueWssBytes: number; estWssBytes: number; nrRegions: number }[];
  }[];
}

void test("capture `sort` → damon-ts run trace:FILE --json", { skip }, () => {
  const rng = new Rng(11);
  const input = join(dir, "numbers.txt");
  writeFileSync(input, Array.from({ length: 2000 }, () => String(rng.randRange(0, 1e6))).join("\n") + "\n");
  const trace = join(dir, "sort.dtrace");
  const cap = cli(["trace", "capture", "-o", trace, "--", "sort", "-n", input], { timeoutMs: 60_000 });
  assert.equal(cap.code, 0, cap.err);
  const info = JSON.parse(cli(["trace", "info", "--json", trace]).out) as {
    accesses: number;
    duration: number;
  };
  assert.ok(info.accesses > 50_000, `${info.accesses} accesses`);

  const run = cli(
    [
      "run",
      `trace:${trace}`,
      "--json",
      "--sample",
      "5us",
      "--aggr",
      "200us",
      "--update",
      "200us",
      "--tlb",
      "off",
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(run.code, 0, run.err);
  const j = JSON.parse(run.out) as RunJson;
  assert.equal(j.schema, "damon-ts/run/1");
  const r = j.runs[0];
  assert.equal(r.workload, "trace:sort.dtrace");
  // The whole trace was replayed (a handful of accesses may miss every reported mapping).
  assert.ok(r.summary.appAccesses <= info.accesses && r.summary.appAccesses >= info.accesses * 0.999);
  // Its length is the trace's instruction count at 0.5 ns each, plus simulated fault costs.
  const traceNs = info.duration * 0.5;
  assert.ok(
    r.durationNs >= traceNs * 0.99 && r.durationNs <= traceNs * 1.5,
    `${r.durationNs} ns vs ${traceNs}`,
  );
  assert.ok(r.windows.length >= 2, `${r.windows.length} windows`);
  assert.ok(r.summary.trueWssMedianBytes > 0 && r.summary.estWssMedianBytes > 0);
  assert.ok(r.windows.every((w) => w.nrRegions >= 3));

  // --loop doubles the work; a missing trace is a one-line input error.
  const twice = JSON.parse(
    cli([
      "run",
      `trace:${trace}`,
      "--json",
      "--loop",
      "2",
      "--sample",
      "5us",
      "--aggr",
      "200us",
      "--no-baseline",
    ]).out,
  ) as RunJson;
  assert.equal(twice.runs[0].summary.appAccesses, 2 * r.summary.appAccesses);
  const missing = cli(["run", `trace:${join(dir, "nope.dtrace")}`]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.dtrace/);
  assert.doesNotMatch(missing.err, /at .*\.ts:\d+/, "no stack trace");
});
