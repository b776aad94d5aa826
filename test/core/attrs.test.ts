import { test } from "node:test";
import assert from "node:assert/strict";
import {
  defaultAttrs,
  nrSamplesPerAggr,
  updateMonitoringResult,
  validateAttrs,
} from "../../src/core/attrs.js";
import type { Attrs } from "../../src/core/attrs.js";
import { UINT_MAX } from "../../src/core/arith.js";
import { createContext, setAttrs } from "../../src/core/context.js";
import { Region } from "../../src/core/region.js";
import { DamonInvalidError } from "../../src/util/errors.js";
import { targetOf } from "../helpers/regions.js";

function attrs(sampleUs: number, aggrUs: number, extra: Partial<Attrs> = {}): Attrs {
  return { ...defaultAttrs(), sampleUs, aggrUs, ...extra };
}

test("C11 damon_test_nr_samples_per_aggr", () => {
  assert.equal(nrSamplesPerAggr({ sampleUs: 0, aggrUs: 5000 }), 5000);
  assert.equal(nrSamplesPerAggr({ sampleUs: 0, aggrUs: 0 }), 1);
  assert.equal(nrSamplesPerAggr({ sampleUs: 1, aggrUs: UINT_MAX + 1 }), UINT_MAX);
});

test("C12 damon_test_update_monitoring_result", () => {
  const old = attrs(10, 1000);
  const r = new Region(3, 7);
  r.nrAccesses = 15;
  r.age = 20;
  updateMonitoringResult(r, old, attrs(100, 10000), false);
  assert.deepEqual([r.nrAccesses, r.age], [15, 2]);
  updateMonitoringResult(r, old, attrs(1, 1000), false);
  assert.deepEqual([r.nrAccesses, r.age], [150, 2]);
  updateMonitoringResult(r, old, attrs(1, 100), false);
  assert.deepEqual([r.nrAccesses, r.age], [150, 20]);
});

test("C12 mid-window change discards the partial window and converts the last one", () => {
  const r = new Region(0, 10);
  r.nrAccesses = 3;
  r.lastNrAccesses = 10;
  updateMonitoringResult(r, attrs(5000, 100000), attrs(5000, 200000), true);
  assert.equal(r.nrAccesses, 0);
  assert.equal(r.lastNrAccesses, 20);
});

test("C13 damon_test_set_attrs", () => {
  const valid = attrs(5000, 100000, { minNrRegions: 10, maxNrRegions: 1000 });
  assert.doesNotThrow(() => validateAttrs(valid));
  assert.throws(() => validateAttrs({ ...valid, minNrRegions: 1 }), DamonInvalidError);
  assert.throws(() => validateAttrs({ ...valid, maxNrRegions: 9 }), DamonInvalidError);
  assert.throws(() => validateAttrs({ ...valid, aggrUs: 4999 }), DamonInvalidError);
  const goal = { accessBp: 400, aggrs: 3, minSampleUs: 6000, maxSampleUs: 10_000_000 };
  assert.throws(() => validateAttrs({ ...valid, intervalsGoal: goal }), DamonInvalidError);
});

test("setAttrs rescales every region and moves the deadlines; invalid attrs change nothing", () => {
  const ctx = createContext({ minRegionSz: 1 });
  ctx.targets.push(targetOf([[0, 100]], { nr: [10], age: [4] }));
  ctx.passedSampleIntervals = 40;
  ctx.nextAggregationSis = 40; // at a boundary: not aggregating
  setAttrs(ctx, attrs(5000, 200000));
  assert.equal(ctx.targets[0].regions[0].nrAccesses, 20);
  assert.equal(ctx.targets[0].regions[0].age, 2);
  assert.equal(ctx.nextAggregationSis, 80);
  assert.equal(ctx.aggrSamples, 40);
  assert.throws(() => setAttrs(ctx, attrs(5000, 10)), DamonInvalidError);
  assert.equal(ctx.attrs.aggrUs, 200000);
});
