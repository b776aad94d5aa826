import assert from "node:assert/strict";
import { it } from "node:test";
import { jobsOption, MAX_JOBS } from "../../src/cli/options.js";
import { UsageError } from "../../src/util/errors.js";
import { cli } from "./helpers.js";

it("--jobs takes 1 to MAX_JOBS and refuses the rest naming the option", () => {
  assert.equal(jobsOption("1"), 1);
  assert.equal(jobsOption(String(MAX_JOBS)), MAX_JOBS);
  for (const bad of ["0", String(MAX_JOBS + 1), "100000", "-1", "2.5", "x", ""])
    assert.throws(
      () => jobsOption(bad),
      (e: unknown) => e instanceof UsageError && e.message.startsWith("--jobs: "),
      bad,
    );
});

it("run, sweep and study refuse -j past the limit before starting any worker", () => {
  for (const args of [
    ["run", "stairs", "--jobs", "100000", "--scale", "0.01"],
    ["sweep", "bench/sweep-grid.yaml", "-j", "100000"],
    ["study", "interference", "--jobs", "100000"],
    ["study", "interference", "-j", "100000"],
  ]) {
    const r = cli(args, { timeoutMs: 60_000 });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, /^damon-ts: --jobs: 100000 is more than the 256 worker threads/, args.join(" "));
  }
});
