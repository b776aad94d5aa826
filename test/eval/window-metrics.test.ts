import { test } from "node:test";
import assert from "node:assert/strict";
import { windowAccuracy } from "../../src/eval/window-metrics.js";
import type { TruthWindowLike } from "../../src/eval/window-metrics.js";

const P = 4096;

function truthOf(pages: [number, number][], samples = 20, pid = 7): TruthWindowLike {
  // pages: [page index, positive samples]
  return {
    samples,
    n: pages.length,
    pid: Int32Array.from(pages.map(() => pid)),
    vaddr: Float64Array.from(pages.map(([p]) => p * P)),
    paddr: Float64Array.from(pages.map(([p]) => (p + 1000) * P)),
    positive: Uint16Array.from(pages.map(([, s]) => s)),
  };
}

test("a perfect estimate has zero error and F1 1", () => {
  // Pages 10..19 accessed every sample; regions exactly on them.
  const truth = truthOf(Array.from({ length: 10 }, (_, i) => [10 + i, 20] as [number, number]));
  const regions = [
    { start: 0, end: 10 * P, nrAccesses: 0 },
    { start: 10 * P, end: 20 * P, nrAccesses: 20 },
    { start: 20 * P, end: 100 * P, nrAccesses: 0 },
  ];
  const a = windowAccuracy(truth, regions, { space: "vaddr", samplesPerAggr: 20 });
  assert.equal(a.freqError, 0);
  assert.deepEqual([a.precision, a.recall, a.f1], [1, 1, 1]);
  assert.equal(a.trueWssBytes, 10 * P);
  assert.equal(a.estWssBytes, 10 * P);
  assert.equal(a.wssRelError, 0);
});

test("an over-wide hot region costs precision and frequency error, not recall", () => {
  const truth = truthOf(Array.from({ length: 10 }, (_, i) => [10 + i, 20] as [number, number]));
  const regions = [{ start: 0, end: 40 * P, nrAccesses: 20 }];
  const a = windowAccuracy(truth, regions, { space: "vaddr", samplesPerAggr: 20 });
  assert.equal(a.recall, 1);
  assert.equal(a.precision, 0.25);
  assert.equal(a.f1, 0.4);
  // 30 of 40 pages estimated at 1.0 but truly 0.
  assert.equal(a.freqError, 0.75);
  assert.equal(a.wssRelError, 3);
});

test("partially accessed pages: half-frequency truth against a full estimate", () => {
  const truth = truthOf([
    [0, 10],
    [1, 10],
  ]);
  const a = windowAccuracy(truth, [{ start: 0, end: 2 * P, nrAccesses: 20 }], {
    space: "vaddr",
    samplesPerAggr: 20,
  });
  assert.equal(a.freqError, 0.5);
  assert.equal(a.trueHotBytes, 2 * P); // 0.5 ≥ default threshold 0.5
});

test("other processes' pages are ignored; uncovered accessed bytes are counted", () => {
  const truth = truthOf([[5, 20]], 20, 7);
  const other = truthOf([[6, 20]], 20, 8);
  const merged: TruthWindowLike = {
    samples: 20,
    n: 2,
    pid: Int32Array.from([7, 8]),
    vaddr: Float64Array.from([truth.vaddr[0], other.vaddr[0]]),
    paddr: Float64Array.from([truth.paddr[0], other.paddr[0]]),
    positive: Uint16Array.from([20, 20]),
  };
  const a = windowAccuracy(merged, [{ start: 100 * P, end: 200 * P, nrAccesses: 0 }], {
    space: "vaddr",
    pid: 7,
    samplesPerAggr: 20,
  });
  assert.equal(a.trueWssBytes, P);
  assert.equal(a.unmonitoredAccessedBytes, P);
  const phys = windowAccuracy(merged, [{ start: 1000 * P, end: 1010 * P, nrAccesses: 20 }], {
    space: "paddr",
    samplesPerAggr: 20,
  });
  assert.equal(phys.trueWssBytes, 2 * P);
  assert.equal(phys.recall, 1);
});
