import { test } from "node:test";
import assert from "node:assert/strict";
import { movingSum, mvsum, nrAccessesMvsum } from "../../src/core/moving-sum.js";

test("C14 damon_test_moving_sum (classic)", () => {
  const inputs = [10000, 0, 10000, 0, 0, 0, 10000, 0, 0, 0];
  const expect = [55000, 50000, 55000, 50000, 45000, 40000, 45000, 40000, 35000, 30000];
  let m = 50000;
  inputs.forEach((v, i) => {
    m = movingSum(m, 50000, 10, v);
    assert.equal(m, expect[i]);
  });
});

test("D13 classic moving sum equals nr*10000 at the end of the window", () => {
  let bp = 20000;
  const got = [1, 0, 1, 1].map((a) => (bp = movingSum(bp, 2 * 10000, 4, a * 10000)));
  assert.deepEqual(got, [25000, 20000, 25000, 30000]);
});

test("C15 damon_test_mvsum (newest)", () => {
  const cases = [
    [0, 49, 10000, 49],
    [3, 10, 7000, 10],
    [3, 10, 5000, 8],
    [32, 100, 1000, 42],
    [42, 49, 0, 42],
  ];
  for (const [cur, last, leftBp, want] of cases) assert.equal(mvsum(cur, last, leftBp), want);
});

test("C16 damon_test_nr_accesses_mvsum (newest)", () => {
  const cases = [
    [0, 10, 5, 3, 3],
    [0, 10, 0, 7, 7],
    [5, 10, 3, 10, 8],
    [8, 10, 3, 10, 5],
    [10, 10, 42, 49, 42],
  ];
  for (const [passed, next, nr, last, want] of cases) {
    const c = { sampleUs: 1, aggrUs: 10, passedSampleIntervals: passed, nextAggregationSis: next };
    assert.equal(nrAccessesMvsum(nr, last, c), want, `(${passed},${next},${nr},${last})`);
  }
});
