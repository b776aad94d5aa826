import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

/**
 * `run` puts its simulations (one per --ops, and the unmonitored baseline) on
 * worker threads; the report must not depend on it: --jobs 1 runs them one after
 * another on the main thread, as before. `threads` undefined: the default (one each).
 */
function sameBothWays(args: string[], threads?: number): string {
  const one = cli([...args, "--jobs", "1"], { timeoutMs: 300_000 });
  const threaded = cli(threads === undefined ? args : [...args, "--jobs", String(threads)], {
    timeoutMs: 300_000,
  });
  assert.equal(one.code, 0, one.err);
  assert.equal(threaded.code, 0, threaded.err);
  assert.equal(threaded.out, one.out, `${args.join(" ")}: the threaded run's output differs`);
  assert.equal(threaded.err, one.err, `${args.join(" ")}: the threaded run's warnings differ`);
  return one.out;
}

test("run --json: the same bytes on worker threads as one after another (Accessed-bit, report-based, baseline)", () => {
  // Two threads for four simulations: a thread runs a second one after its first.
  const out = sameBothWays(
    ["run", "stairs", "--scale", "0.04", "--ops", "vaddr,paddr,hwsample", "--json"],
    2,
  );
  const runs = (JSON.parse(out) as { runs: { ops: string; summary: { appSlowdown: number | null } }[] }).runs;
  assert.deepEqual(
    runs.map((r) => r.ops),
    ["vaddr", "paddr", "hwsample"],
  );
  // The baseline ran (on its own thread) and every run's slowdown was measured against it.
  for (const r of runs) assert.equal(typeof r.summary.appSlowdown, "number", r.ops);
});

test("run --json: the same bytes on worker threads for a multi-threaded workload without baseline, seed 3", () => {
  sameBothWays(
    [
      "run",
      "stairs-mt",
      "--threads",
      "2",
      "--scale",
      "0.04",
      "--ops",
      "vaddr-fault,paddr",
      "--seed",
      "3",
      "--no-baseline",
      "--json",
    ],
    3,
  );
});

test("run: the text report (heatmap, summary, table) is the same on worker threads (the default)", () => {
  const out = sameBothWays(["run", "zigzag", "--scale", "0.02", "--ops", "vaddr,paddr", "--memory", "1GiB"]);
  assert.match(out, /== paddr: access heatmap/);
  assert.match(out, /app slowdown vs unmonitored/);
});

test("run: a failure on a worker thread is the same one line and exit code as on the main thread", () => {
  const args = ["run", "stairs", "--scale", "0.02", "--nodes", "2", "--memory", "32TiB"];
  const one = cli([...args, "--jobs", "1"]);
  const two = cli([...args, "--jobs", "2"]);
  // Bad input (nodes past 8 TiB of physical address): exit 2, on either thread.
  assert.equal(one.code, 2, one.err);
  assert.equal(two.code, one.code);
  assert.equal(two.err, one.err);
  assert.match(two.err, /^damon-ts: --memory\/--nodes\/--tier: node 1 starts at 16 TiB: .*\n$/);
});

test("run --jobs: not a positive count is a usage error, exit 2", () => {
  const r = cli(["run", "stairs", "--jobs", "0"]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^damon-ts: --jobs: must be at least 1\n$/);
});
