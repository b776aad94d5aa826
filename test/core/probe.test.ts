import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext, setAttrs } from "../../src/core/context.js";
import { commitContext } from "../../src/core/commit.js";
import { Kdamond, resetAggregated } from "../../src/core/kdamond.js";
import { mergeRegionsOf } from "../../src/core/adjust.js";
import {
  DAMON_MAX_PROBES,
  newProbe,
  probeHit,
  probeHitsMvsum,
  probeHitsWsum,
  validateProbes,
} from "../../src/core/probe.js";
import type { PageAttrs, Probe, ProbeFilter } from "../../src/core/probe.js";
import {
  Region,
  Target,
  mergeTwoRegions,
  newRegion,
  setRegions,
  splitRegionAt,
} from "../../src/core/region.js";
import { SyntheticOps } from "../../src/ops/synthetic.js";
import { DamonInvalidError } from "../../src/util/errors.js";

const MiB = 1 << 20;
const anonProbe = (weight = 0): Probe => newProbe([{ type: "anon", matching: true, allow: true }], weight);

function regionWith(start: number, end: number, hits: number[], last: number[]): Region {
  const r = newRegion(start, end);
  r.probeHits.set(hits);
  r.lastProbeHits.set(last);
  return r;
}

test("damon_new_region: probe hits of every slot start at zero", () => {
  const r = newRegion(0, 4096);
  assert.equal(r.probeHits.length, DAMON_MAX_PROBES);
  assert.deepEqual([...r.probeHits, ...r.lastProbeHits], new Array(2 * DAMON_MAX_PROBES).fill(0));
});

test("damon_split_region_at copies both probe-hit arrays to the new region", () => {
  const t = new Target(1);
  const r = regionWith(0, 8192, [1, 2, 3, 4], [5, 6, 7, 8]);
  t.regions.push(r);
  const n = splitRegionAt(t, r, 4096);
  assert.deepEqual([...n.probeHits], [1, 2, 3, 4]);
  assert.deepEqual([...n.lastProbeHits], [5, 6, 7, 8]);
  n.probeHits[0] = 9;
  assert.equal(r.probeHits[0], 1, "copies, not shared arrays");
});

test("damon_merge_two_regions: size-weighted average of current hits; last hits of the left kept", () => {
  const t = new Target(1);
  const l = regionWith(0, 4096, [10, 0, 3, 255], [1, 1, 1, 1]);
  const r = regionWith(4096, 4 * 4096, [2, 20, 3, 0], [9, 9, 9, 9]);
  t.regions.push(l, r);
  mergeTwoRegions(t, l, r);
  // (10·1 + 2·3)/4 = 4, (0 + 60)/4 = 15, 3, 255/4 = 63 (truncated)
  assert.deepEqual([...l.probeHits], [4, 15, 3, 63]);
  assert.deepEqual([...l.lastProbeHits], [1, 1, 1, 1]);
  assert.equal(t.regions.length, 1);
});

test("kdamond_reset_aggregated moves current probe hits to last and zeroes them", () => {
  const ctx = createContext();
  const t = new Target(1);
  t.regions.push(regionWith(0, 4096, [7, 8, 0, 1], [1, 2, 3, 4]));
  ctx.targets.push(t);
  resetAggregated(ctx);
  assert.deepEqual([...t.regions[0].lastProbeHits], [7, 8, 0, 1]);
  assert.deepEqual([...t.regions[0].probeHits], [0, 0, 0, 0]);
});

test("damon_probe_hits_mvsum: last window at a boundary, else cur + last·left_bp/10000", () => {
  const r = regionWith(0, 4096, [6, 0, 0, 0], [20, 0, 0, 0]);
  const attrs = { sampleUs: 5000, aggrUs: 100000 }; // 20 samples per window
  // 15 samples left of 20: left_bp 7500, 6 + 20·0.75 = 21.
  assert.equal(probeHitsMvsum(0, r, { attrs, passedSampleIntervals: 5, nextAggregationSis: 20 }), 21);
  // The whole window left: the last window's count.
  assert.equal(probeHitsMvsum(0, r, { attrs, passedSampleIntervals: 0, nextAggregationSis: 20 }), 20);
  // Past the deadline: nothing of the last window is added.
  assert.equal(probeHitsMvsum(0, r, { attrs, passedSampleIntervals: 20, nextAggregationSis: 20 }), 6);
  // The kernel returns unsigned char: sums above 255 wrap.
  const big = regionWith(0, 4096, [200, 0, 0, 0], [200, 0, 0, 0]);
  assert.equal(
    probeHitsMvsum(0, big, { attrs, passedSampleIntervals: 10, nextAggregationSis: 20 }),
    300 & 255,
  );
});

test("damon_probe_hits_wsum: Σ hits·weight over installed probes, for last, moving and current", () => {
  const probes = [anonProbe(1), anonProbe(3)];
  const clock = {
    attrs: { sampleUs: 5000, aggrUs: 100000 },
    passedSampleIntervals: 10,
    nextAggregationSis: 20,
  };
  const r = regionWith(0, 4096, [2, 4, 100, 100], [10, 20, 100, 100]);
  assert.equal(probeHitsWsum(r, true, false, probes, clock), 10 + 60);
  assert.equal(probeHitsWsum(r, false, false, probes, clock), 2 + 12);
  // left_bp 5000: probe 0 → 2 + 5 = 7, probe 1 → 4 + 10 = 14.
  assert.equal(probeHitsWsum(r, false, true, probes, clock), 7 + 42);
});

test("damon_valid_probe_params: at most 4 probes; weights need ≤255 samples and no overflow", () => {
  const attrs = { sampleUs: 5000, aggrUs: 100000 };
  validateProbes([anonProbe(), anonProbe(), anonProbe(), anonProbe()], attrs);
  assert.throws(() => validateProbes(new Array(5).fill(anonProbe()), attrs), DamonInvalidError);
  // No weights: any number of samples (hits wrap as u8).
  validateProbes([anonProbe()], { sampleUs: 1000, aggrUs: 1000000 });
  assert.throws(() => validateProbes([anonProbe(1)], { sampleUs: 1000, aggrUs: 256000 }), DamonInvalidError);
  validateProbes([anonProbe(1)], { sampleUs: 1000, aggrUs: 255000 });
  // 20 samples: weight·20 must fit an unsigned int, and so must the sum.
  assert.throws(() => validateProbes([anonProbe(0xffffffff)], attrs), DamonInvalidError);
  validateProbes([anonProbe(Math.floor(0xffffffff / 20))], attrs);
  assert.throws(
    () => validateProbes([anonProbe(Math.floor(0xffffffff / 20)), anonProbe(1)], attrs),
    DamonInvalidError,
  );
});

test("probe filters: the first deciding filter wins, else the opposite of the last allow", () => {
  const page: PageAttrs = {
    anon: true,
    active: false,
    memcgId: 2,
    size: 4096,
    unmapped: false,
    young: () => true,
  };
  const allowAnon: ProbeFilter = { type: "anon", matching: true, allow: true };
  const rejectNonAnon: ProbeFilter = { type: "anon", matching: false, allow: false };
  const allowMemcg3: ProbeFilter = { type: "memcg", matching: true, allow: true, memcgId: 3 };
  assert.equal(probeHit([allowAnon], page), true);
  assert.equal(probeHit([allowAnon], { ...page, anon: false }), false);
  assert.equal(probeHit([allowMemcg3], page), false);
  assert.equal(probeHit([allowMemcg3], { ...page, memcgId: 3 }), true);
  // anon AND memcg 3: reject non-anon first, then allow memcg 3.
  assert.equal(probeHit([rejectNonAnon, allowMemcg3], { ...page, memcgId: 3 }), true);
  assert.equal(probeHit([rejectNonAnon, allowMemcg3], { ...page, anon: false, memcgId: 3 }), false);
  // A last reject filter makes the default "hit".
  assert.equal(probeHit([{ type: "unmapped", matching: true, allow: false }], page), true);
  const huge: ProbeFilter = {
    type: "hugepage_size",
    matching: true,
    allow: true,
    minSz: 2 * MiB,
    maxSz: 2 * MiB,
  };
  assert.equal(probeHit([huge], page), false);
  assert.equal(probeHit([huge], { ...page, size: 2 * MiB }), true);
});

test("damon_update_probe_hits: new intervals rescale hits; mid-window changes drop the current ones", () => {
  const ctx = createContext({ probes: [anonProbe(), anonProbe()] });
  const t = new Target(1);
  t.regions.push(regionWith(0, 4096, [10, 4, 9, 9], [20, 8, 9, 9]));
  ctx.targets.push(t);
  ctx.passedSampleIntervals = 5;
  ctx.nextAggregationSis = 20; // aggregating
  setAttrs(ctx, { ...ctx.attrs, aggrUs: 200000 }); // 20 → 40 samples per window
  const r = t.regions[0];
  assert.deepEqual([...r.lastProbeHits], [40, 16, 9, 9], "installed probes only");
  assert.deepEqual([...r.probeHits], [0, 0, 9, 9]);
  ctx.passedSampleIntervals = ctx.nextAggregationSis; // not aggregating
  setAttrs(ctx, { ...ctx.attrs, aggrUs: 100000 });
  assert.deepEqual([...r.probeHits], [0, 0, 9, 9]);
  assert.deepEqual([...r.lastProbeHits], [20, 8, 9, 9]);
});

test("damon_commit_ctx validates probes before changing anything", () => {
  const ctx = createContext();
  assert.throws(
    () =>
      commitContext(ctx, {
        attrs: ctx.attrs,
        minRegionSz: 4096,
        pause: true,
        probes: new Array(5).fill(anonProbe()),
      }),
    DamonInvalidError,
  );
  assert.equal(ctx.pause, false);
  assert.equal(ctx.probes.length, 0);
  commitContext(ctx, { attrs: ctx.attrs, minRegionSz: 4096, pause: false, probes: [anonProbe()] });
  assert.equal(ctx.probes.length, 1);
});

test("merge with weighted probes scores by damon_probe_hits_wsum, not nr_accesses", () => {
  const t = new Target(1);
  const a = regionWith(0, 4096, [10, 0, 0, 0], [10, 0, 0, 0]);
  const b = regionWith(4096, 8192, [10, 0, 0, 0], [10, 0, 0, 0]);
  a.nrAccesses = 0;
  b.nrAccesses = 20;
  t.regions.push(a, b);
  const probes = [anonProbe(2)];
  const clock = {
    attrs: { sampleUs: 5000, aggrUs: 100000 },
    passedSampleIntervals: 20,
    nextAggregationSis: 20,
  };
  mergeRegionsOf(t, 1, 1 << 30, true, (r, last) => probeHitsWsum(r, last, false, probes, clock));
  assert.equal(t.regions.length, 1, "equal wsum merges despite different nr_accesses");
  assert.equal(t.regions[0].age, 1);
});

/** A kdamond over 64 MiB where [16, 40) MiB is anon; accesses go to [0, 8) MiB. */
function attrRun(probes: Probe[], seed: number) {
  const ops = new SyntheticOps([{ start: 0, end: 8 * MiB }]);
  ops.anon = [{ start: 16 * MiB, end: 40 * MiB }];
  const ctx = createContext({ ops, seed, probes, attrs: { minNrRegions: 10, maxNrRegions: 200 } });
  const t = new Target(1);
  setRegions(t, [{ start: 0, end: 64 * MiB }], ctx.minRegionSz);
  ctx.targets.push(t);
  return { ctx, ops, kd: new Kdamond(ctx, new VirtualClock()) };
}

test("data-attributes-only: weighted probes never run an access check, and regions follow the attribute", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { ctx, ops, kd } = attrRun([anonProbe(1)], seed);
    let last = null;
    for (const ev of kd.aggregations(20)) last = ev;
    assert.equal(ops.checks, 0, "no access check");
    assert.equal(ctx.nrAccessChecks, 0);
    assert.ok(last);
    for (const r of last.targets[0].regions) {
      assert.equal(r.nrAccesses, 0);
      const inside = r.start >= 16 * MiB && r.end <= 40 * MiB;
      const outside = r.end <= 16 * MiB || r.start >= 40 * MiB;
      if (inside) assert.equal(r.probeHits![0], 20, `seed ${seed}: anon region ${r.start}`);
      if (outside) assert.equal(r.probeHits![0], 0, `seed ${seed}: file region ${r.start}`);
    }
  }
});

test("unweighted probes ride along the access check: both counted at the same sampled address", () => {
  for (const seed of [1, 2, 3]) {
    const { ctx, ops, kd } = attrRun([anonProbe(0)], seed);
    let last = null;
    for (const ev of kd.aggregations(10)) last = ev;
    assert.ok(ops.checks > 0);
    assert.equal(ctx.nrAccessChecks, 10 * 20);
    assert.ok(last);
    for (const r of last.targets[0].regions) {
      assert.ok(r.probeHits![0] <= 20);
      if (r.start >= 16 * MiB && r.end <= 40 * MiB) assert.equal(r.probeHits![0], 20);
      if (r.end <= 16 * MiB) assert.equal(r.probeHits![0], 0);
    }
  }
});

test("a kdamond refuses probes its operation set cannot evaluate (they would stay 0 silently)", () => {
  const ctx = createContext({ probes: [anonProbe()] });
  assert.throws(
    () => new Kdamond(ctx, new VirtualClock()).start(),
    /null operation set does not evaluate probes/,
  );
});
