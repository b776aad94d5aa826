/**
 * `damon-ts compare`: one table, a column per access source, and — as `run` does — a
 * stderr line for each source that missed most of the hot set, saying why.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { cli } from "./helpers.js";

test("compare tiny-hot: a column per source, the hot set's pieces, and why each source fell short", () => {
  // 4 MiB hot in 64 GiB, 0.6 s: vaddr's dozen 5 GiB regions miss it; hwsample finds it
  // inside regions far bigger than it.
  const r = cli(["compare", "tiny-hot", "--ops", "vaddr,hwsample", "--time-scale", "0.02", "--no-baseline"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^metric +vaddr +hwsample$/m);
  assert.match(r.out, /^true hot set: pieces × mean size \(median\) +1 × 4\.0 MiB +1 × 4\.0 MiB$/m);
  const warnings = r.err.trim().split("\n");
  assert.equal(warnings.length, 2, r.err);
  assert.match(
    warnings[0],
    /^warning: vaddr missed most of the hot set \(byte-weighted recall 0\.\d\d\): its \d+\.\.\d+ regions/,
  );
  assert.match(warnings[1], /^warning: hwsample counted mostly cold memory as hot/);
});
