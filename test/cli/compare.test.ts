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
  // The run's F1 and byte-weighted scores come first; vaddr estimated nothing hot, which
  // only the plain mean (labelled so) turns into a precision of 1.
  const rowNames = [...r.out.matchAll(/^(hot-set [^)]*\))/gm)].map((m) => m[1]);
  assert.deepEqual(rowNames, [
    "hot-set F1 (active windows)",
    "hot-set F1 (byte-weighted)",
    "hot-set precision (byte-weighted)",
    "hot-set recall (byte-weighted)",
    "hot-set precision (mean of all windows; idle = 1)",
    "hot-set recall (mean of all windows; idle = 1)",
    "hot-set F1 (mean of all windows; idle = 1)",
  ]);
  assert.match(r.out, /^hot-set precision \(byte-weighted\) +none estimated hot +0\.\d{3}$/m);
  assert.match(r.out, /^hot-set precision \(mean of all windows; idle = 1\) +1\.000 +0\.\d{3}$/m);
  const warnings = r.err.trim().split("\n");
  assert.equal(warnings.length, 2, r.err);
  assert.match(
    warnings[0],
    /^warning: vaddr missed most of the hot set \(byte-weighted recall 0\.\d\d\): its \d+\.\.\d+ regions/,
  );
  assert.match(warnings[1], /^warning: hwsample counted mostly cold memory as hot/);
});
