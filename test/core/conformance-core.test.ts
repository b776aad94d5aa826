/**
 * Conformance of the core with the newest mm tree (kernelorg-mirror
 * linux_kernel_git_mm_linux, mm/damon/core.c). Each test names the kernel function
 * it mirrors and, where one exists, the damon-spec.md section or test ID. Tests
 * marked "fails before" reproduce a deviation of the code before issue 18's fixes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { attrsEqual, defaultAttrs, updateMonitoringResult } from "../../src/core/attrs.js";
import type { Attrs } from "../../src/core/attrs.js";
import { createContext, setAttrs } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import { kdamondSplitRegions } from "../../src/core/adjust.js";
import { tuneIntervals } from "../../src/core/tune.js";
import { Region } from "../../src/core/region.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import { newScheme } from "../../src/schemes/scheme.js";
import { SyntheticOps } from "../../src/ops/synthetic.js";
import { targetOf } from "../helpers/regions.js";

function attrs(sampleUs: number, aggrUs: number, extra: Partial<Attrs> = {}): Attrs {
  return { ...defaultAttrs(), sampleUs, aggrUs, ...extra };
}

function evenTarget(n: number, size = 100) {
  return targetOf(Array.from({ length: n }, (_, i) => [i * size, (i + 1) * size] as [number, number]));
}

test("kdamond_split_regions: the region count is remembered when there is nothing to split (§3.2; fails before)", () => {
  const ctx = createContext({ minRegionSz: 1, attrs: { minNrRegions: 3, maxNrRegions: 20 } });
  ctx.targets.push(evenTarget(20));
  kdamondSplitRegions(ctx); // n >= max: nothing split, but `done:` still records n
  assert.equal(ctx.nrRegions, 20);
  assert.equal(ctx.lastNrRegions, 20);
});

test("kdamond_split_regions: the count is remembered above max/2 too (damon_split_some_regions path; fails before)", () => {
  const ctx = createContext({ minRegionSz: 1, seed: 3, attrs: { minNrRegions: 3, maxNrRegions: 20 } });
  ctx.targets.push(evenTarget(12));
  kdamondSplitRegions(ctx);
  assert.equal(ctx.lastNrRegions, 12);
  assert.ok(ctx.nrRegions > 12 && ctx.nrRegions <= 20);
});

test("kdamond_split_regions: a count seen on the early path is what the next split compares with (fails before)", () => {
  // max 30. 9 regions were seen, then 20 (> max/2: the early path), then 9 again.
  // The kernel compares 9 with 20 and splits in two (18 regions); a stale 9 would
  // make it split in three (27 regions).
  const ctx = createContext({ minRegionSz: 1, seed: 5, attrs: { minNrRegions: 3, maxNrRegions: 30 } });
  ctx.lastNrRegions = 9;
  ctx.targets.push(evenTarget(20, 1000));
  kdamondSplitRegions(ctx);
  ctx.targets[0] = evenTarget(9, 1000);
  kdamondSplitRegions(ctx);
  assert.equal(ctx.nrRegions, 18);
  assert.equal(ctx.lastNrRegions, 9);
});

test("damon_update_monitoring_results forgives a zero interval: ages stay numbers (§1.7; fails before)", () => {
  const ctx = createContext({ minRegionSz: 1, attrs: { sampleUs: 5000, aggrUs: 100_000 } });
  ctx.targets.push(targetOf([[0, 100]], { nr: [7], last: [9], age: [4] }));
  setAttrs(ctx, attrs(0, 0));
  const r = ctx.targets[0].regions[0];
  assert.deepEqual([r.age, r.nrAccesses, r.lastNrAccesses], [4, 7, 9]);
  // ... and back from zero intervals: nothing converted either.
  setAttrs(ctx, attrs(5000, 100_000));
  assert.deepEqual([r.age, r.nrAccesses, r.lastNrAccesses], [4, 7, 9]);
});

test("damon_update_monitoring_result converts last_nr_accesses outside a window too (C12 variant; fails before)", () => {
  const r = new Region(0, 10);
  r.nrAccesses = 15;
  r.lastNrAccesses = 15;
  r.age = 20;
  updateMonitoringResult(r, attrs(10, 1000), attrs(10, 2000), false);
  assert.deepEqual([r.nrAccesses, r.lastNrAccesses, r.age], [30, 30, 10]);
});

test("damon_set_attrs converts even when only the region bounds change: mid-window counts are discarded (fails before)", () => {
  const ctx = createContext({ minRegionSz: 1, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  ctx.targets.push(targetOf([[0, 100]], { nr: [5], last: [12], age: [3] }));
  ctx.passedSampleIntervals = 5;
  ctx.nextAggregationSis = 20; // in the middle of a window
  setAttrs(ctx, attrs(1000, 20_000, { minNrRegions: 5 }));
  const r = ctx.targets[0].regions[0];
  assert.deepEqual([r.nrAccesses, r.lastNrAccesses, r.age], [0, 12, 3]);
  assert.equal(ctx.nextAggregationSis, 25);
});

test("damon_set_attrs refreshes every scheme's next apply time (damos_set_next_apply_sis; fails before)", () => {
  const ctx = createContext({ minRegionSz: 1, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  ctx.targets.push(evenTarget(3));
  const aggrScheme = newScheme({ action: "stat" });
  const ownScheme = newScheme({ action: "stat", applyIntervalUs: 50_000 });
  const runner = new SchemesRunner([aggrScheme, ownScheme]);
  const kd = new Kdamond(ctx, new VirtualClock());
  kd.schemes = runner;
  assert.equal(ctx.schemes, runner, "the engine lives on the context, like ctx->schemes");
  for (let i = 0; i < 7; i++) kd.step();
  assert.equal(ctx.passedSampleIntervals, 7);
  assert.equal(aggrScheme.nextApplySis, 20);
  setAttrs(ctx, attrs(1000, 40_000));
  assert.equal(aggrScheme.nextApplySis, 7 + 40);
  assert.equal(ownScheme.nextApplySis, 7 + 50);
});

test("kdamond_tune_intervals keeps aggr_samples (the tuner copies attrs including it)", () => {
  const ctx = createContext({
    minRegionSz: 1,
    attrs: {
      sampleUs: 1000,
      aggrUs: 20_000,
      intervalsGoal: { accessBp: 4000, aggrs: 1, minSampleUs: 0, maxSampleUs: 10_000 },
    },
  });
  ctx.targets.push(targetOf([[0, 100]], { nr: [0] }));
  // No access at all: the score is 0, the sampling interval grows ×2 up to the clamp.
  tuneIntervals(ctx);
  assert.equal(ctx.aggrSamples, 20);
  assert.deepEqual([ctx.attrs.sampleUs, ctx.attrs.aggrUs], [2000, 40_000]);
});

test("damon_attrs_equals compares every user field, the intervals goal included", () => {
  const a = attrs(5000, 100_000);
  assert.ok(attrsEqual(a, attrs(5000, 100_000)));
  assert.ok(!attrsEqual(a, attrs(5000, 100_000, { updateUs: 1 })));
  assert.ok(!attrsEqual(a, attrs(5000, 100_000, { maxNrRegions: 999 })));
  assert.ok(!attrsEqual(a, { ...a, intervalsGoal: { ...a.intervalsGoal, accessBp: 1 } }));
});

test("kdamond_fn: an always-accessed region counts exactly samples-per-aggregation per window", () => {
  const ctx = createContext({
    ops: new SyntheticOps([{ start: 0, end: 1 << 20 }]),
    minRegionSz: 4096,
    seed: 2,
    attrs: { sampleUs: 1000, aggrUs: 20_000, minNrRegions: 3, maxNrRegions: 10 },
  });
  ctx.targets.push(targetOf([[0, 1 << 20]]));
  const kd = new Kdamond(ctx, new VirtualClock());
  for (const ev of kd.aggregations(3)) {
    for (const r of ev.targets[0].regions) assert.equal(r.nrAccesses, 20);
    assert.equal(ev.endNs - ev.startNs, 20_000_000);
  }
});
