/**
 * The `ptscan` operation set (docs/ptscan.md): a top-down page-table walk that
 * test-and-clears upper-level Accessed bits, descends only into young subtrees within a
 * per-interval entry budget, and reports what it finds as DAMON regions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createContext, type Context } from "../../src/core/context.js";
import { Target, setRegions } from "../../src/core/region.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { DEFAULT_COSTS } from "../../src/mm/cost-model.js";
import { PAGE_SIZE } from "../../src/mm/vma.js";
import { PtscanOps, fitExtents, halfCovered, splitAtExtents } from "../../src/ops/ptscan.js";
import { PASS_PERIOD_MAX, RESCAN_WHOLE_EVERY, youngExtents } from "../../src/ops/ptscan-walk.js";
import { runExperiment } from "../../src/eval/experiment.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import { Rng } from "../../src/util/rng.js";
import { machineOptionsFor } from "../../src/mm/machine-profile.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const MiB = 2 ** 20;
const TiB = 2 ** 40;

interface Rig {
  m: Machine;
  ops: PtscanOps;
  ctx: Context;
  t: Target;
  base: number;
  /** Where the hot set is (a test may move it between runs). */
  hot: number;
  hotBytes: number;
  run(samples: number): void;
}

/**
 * A 4 TiB mapping with an 8 MiB hot set (2048 pages: more than the TLB holds) in its
 * middle and a cold part, 64 MiB at its start, touched rarely. One sample = accesses,
 * then checkAccesses (as kdamond does after each sampling interval).
 */
function rig(seed: number, budget: number, hotAccesses = 20000, tlb = true, coldAccesses = 20): Rig {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * TiB }], ...(tlb ? {} : { tlb: false }) });
  const as = m.createProcess("app");
  const th = m.spawnThread(as, 0, idle);
  const base = as.mmap(4 * TiB);
  const hot = Math.floor((base + 2 * TiB) / (2 * MiB)) * 2 * MiB;
  const hotBytes = 8 * MiB;
  const ops = new PtscanOps(m, { budget });
  const ctx = createContext({ ops, seed, minRegionSz: PAGE_SIZE });
  const t = new Target(as.pid);
  setRegions(t, [{ start: base, end: base + 4 * TiB }], PAGE_SIZE);
  ctx.targets.push(t);
  const rng = new Rng(seed);
  const r: Rig = { m, ops, ctx, t, base, hot, hotBytes, run: () => {} };
  r.run = (samples: number) => {
    for (let s = 0; s < samples; s++) {
      const a: number[] = [];
      for (let i = 0; i < hotAccesses; i++)
        a.push(r.hot + rng.randRange(0, hotBytes / PAGE_SIZE) * PAGE_SIZE);
      for (let i = 0; i < coldAccesses; i++)
        a.push(base + rng.randRange(0, (64 * MiB) / PAGE_SIZE) * PAGE_SIZE);
      ops.prepareAccessChecks(ctx);
      m.runAccesses(th, a);
      ops.checkAccesses(ctx);
    }
  };
  return r;
}

/** Bytes of regions with nrAccesses ≥ half the samples, and of those inside the hot set. */
function estimatedHot(r: Rig, samples: number): { bytes: number; inHot: number } {
  let bytes = 0;
  let inHot = 0;
  for (const g of r.t.regions) {
    if (g.nrAccesses * 2 < samples) continue;
    bytes += g.size;
    inHot += Math.max(0, Math.min(g.end, r.hot + r.hotBytes) - Math.max(g.start, r.hot));
  }
  return { bytes, inHot };
}

test("finds an 8 MiB hot set in a 4 TiB mapping within 20 samples (0.1 simulated s)", () => {
  const r = rig(1, 32768);
  r.run(20);
  for (const g of r.t.regions) g.nrAccesses = 0;
  r.run(20);
  const { bytes, inHot } = estimatedHot(r, 20);
  assert.equal(inHot, r.hotBytes, "recall 1: the whole hot set is in regions counted hot");
  // Precision ≥ 0.98: a cold page found young is held until its span is looked at again.
  assert.ok(bytes <= r.hotBytes / 0.98, `estimated hot ${bytes} bytes`);
  // Splits stop at the region limit (the core merges at each aggregation; none here).
  assert.ok(r.t.regions.length <= r.ctx.attrs.maxNrRegions, `${r.t.regions.length} regions`);
});

test("frequency is per page, as DAMON's: a span in use every sample whose pages are used a quarter of the time", () => {
  // 600 accesses per sample over 2048 pages: each page is used in ~25 % of samples,
  // while every 2 MiB span is used in every one (holding the walk's answer would say 1).
  // TLB off: with 600 pages a sample most would hit cached translations (the blind spot).
  for (const seed of [1, 2, 3]) {
    const r = rig(seed, 32768, 600, false);
    r.run(20);
    for (const g of r.t.regions) g.nrAccesses = 0;
    r.run(40);
    let bytes = 0;
    let weighted = 0;
    for (const g of r.t.regions) {
      const inHot = Math.max(0, Math.min(g.end, r.hot + r.hotBytes) - Math.max(g.start, r.hot));
      bytes += inHot;
      weighted += inHot * (g.nrAccesses / 40);
    }
    const freq = weighted / bytes;
    assert.ok(
      freq > 0.12 && freq < 0.4,
      `seed ${seed}: estimated frequency of the hot set ${freq.toFixed(3)}`,
    );
  }
});

test("the budget bounds the entries read per interval, and the walk is charged per entry", () => {
  for (const budget of [512, 4096, 32768]) {
    const r = rig(2, budget);
    const w = () => r.ops.walkOf(r.t)!;
    let prevNs = r.m.kdamondCost.ns;
    for (let s = 0; s < 30; s++) {
      r.run(1);
      const st = w().stats;
      assert.ok(st.entries <= budget, `budget ${budget}: read ${st.entries}`);
      // An interval reads nothing only between passes spaced out for a stable tree.
      assert.ok(st.entries > 0 || st.passPeriod > 1, `budget ${budget}: idle at pass period 1`);
      const ns = r.m.kdamondCost.ns - prevNs;
      assert.equal(
        st.ns,
        st.entries * DEFAULT_COSTS.ptEntryScanNs + st.clears * DEFAULT_COSTS.ptEntryClearNs,
      );
      // The walk, plus one mkold and one young check per sampled (young) region.
      assert.ok(ns >= st.ns && ns <= st.ns + 1001 * (DEFAULT_COSTS.mkoldNs + DEFAULT_COSTS.youngCheckNs));
      prevNs = r.m.kdamondCost.ns;
    }
  }
  // A budget of one table page still finds the hot set, only later.
  const small = rig(3, 512);
  small.run(200);
  for (const g of small.t.regions) g.nrAccesses = 0;
  small.run(60);
  assert.equal(estimatedHot(small, 60).inHot, small.hotBytes);
  assert.throws(() => new PtscanOps(small.m, { budget: 100 }), /at least 512/);
});

test("invariants across seeds: regions tile the target, extents are sorted and inside the mapping", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rig(seed, 8192);
    const span = r.t.regions.reduce((a, g) => a + g.size, 0);
    for (let k = 0; k < 6; k++) {
      r.run(5);
      let prevEnd = r.base;
      for (const g of r.t.regions) {
        assert.equal(g.start, prevEnd, `seed ${seed}: regions contiguous`);
        assert.ok(g.end > g.start);
        assert.ok(g.nrAccesses <= 5 * (k + 1));
        prevEnd = g.end;
      }
      assert.equal(prevEnd - r.base, span, "same span");
      const ext = youngExtents(r.ops.walkOf(r.t)!.young, PAGE_SIZE, PAGE_SIZE);
      for (let i = 0; i < ext.length; i += 2) {
        assert.ok(ext[i] < ext[i + 1] && (i === 0 || ext[i] > ext[i - 1]), "sorted, coalesced");
        // A young PMD stands for its whole 2 MiB span, which may stick out of the mapping.
        const lo = Math.floor(r.base / (2 * MiB)) * 2 * MiB;
        assert.ok(ext[i] >= lo && ext[i + 1] <= r.base + 4 * TiB + 2 * MiB, "inside the mapping's PMD spans");
      }
    }
    const { inHot, bytes } = estimatedHot(r, 30);
    assert.equal(inHot, r.hotBytes, `seed ${seed}`);
    assert.ok(bytes <= r.hotBytes + 4 * MiB, `seed ${seed}: ${bytes} bytes estimated hot`);
  }
});

test("a cleared upper level hides nothing: an old PUD drops what was known under it", () => {
  const r = rig(4, 32768);
  r.run(10);
  const w = r.ops.walkOf(r.t)!;
  assert.ok(w.young.size > 0);
  // No access for a while: every young span is forgotten once its upper entries are found old.
  for (let s = 0; s < 10; s++) {
    r.ops.prepareAccessChecks(r.ctx);
    r.ops.checkAccesses(r.ctx);
  }
  assert.equal(w.young.size, 0);
});

test("a stable hot set spaces the passes out; a moved one brings them back to every interval and is found", () => {
  for (const seed of [1, 2, 3]) {
    // Few cold accesses: without the core's merges (none in this rig) the regions split at
    // every cold page found young would reach the region limit before the moved hot set.
    const r = rig(seed, 32768, 20000, true, 2);
    r.run(40);
    const w = r.ops.walkOf(r.t)!;
    assert.equal(w.stats.passPeriod, PASS_PERIOD_MAX, `seed ${seed}: stable tree`);
    const p0 = w.stats.passes;
    r.run(8 * PASS_PERIOD_MAX);
    // About one pass per PASS_PERIOD_MAX intervals; a sample that misses (a hot page kept in
    // this rig's TLB reads unused) hurries a pass now and then.
    const passes = w.stats.passes - p0;
    assert.ok(passes <= (8 * PASS_PERIOD_MAX) / 4, `seed ${seed}: ${passes} passes in 64 intervals`);
    // The hot set moves 1 TiB up: the next pass sees the change and walks every interval again.
    r.hot += TiB;
    let minPeriod = Infinity;
    for (let s = 0; s < 2 * PASS_PERIOD_MAX; s++) {
      r.run(1);
      minPeriod = Math.min(minPeriod, w.stats.passPeriod);
    }
    assert.equal(minPeriod, 1, `seed ${seed}: period back to 1 after the move`);
    // The rig has no aggregation to merge regions (splits pile up to the limit): start
    // again from one region, as merges would, and count 20 samples.
    setRegions(r.t, [{ start: r.base, end: r.base + 4 * TiB }], PAGE_SIZE);
    for (const g of r.t.regions) g.nrAccesses = 0;
    r.run(20);
    const { bytes, inHot } = estimatedHot(r, 20);
    assert.equal(inHot, r.hotBytes, `seed ${seed}: the moved hot set is found`);
    assert.ok(bytes <= r.hotBytes + 4 * MiB, `seed ${seed}: ${bytes} bytes estimated hot`);
  }
});

test("the samples hurry a spaced-out walk: a hot set that moved right after a pass is reported within 3 intervals", () => {
  for (const seed of [1, 2, 3]) {
    const r = rig(seed, 32768, 20000, true, 2);
    r.run(40);
    const w = r.ops.walkOf(r.t)!;
    assert.equal(w.stats.passPeriod, PASS_PERIOD_MAX, `seed ${seed}`);
    // Move just after a pass started: the next one would be PASS_PERIOD_MAX intervals away.
    const p0 = w.stats.passes;
    while (w.stats.passes === p0) r.run(1);
    r.hot += TiB;
    r.run(3);
    const ext = youngExtents(w.young, PAGE_SIZE, PAGE_SIZE);
    let covered = 0;
    for (let i = 0; i < ext.length; i += 2)
      covered += Math.max(0, Math.min(ext[i + 1], r.hot + r.hotBytes) - Math.max(ext[i], r.hot));
    assert.equal(covered, r.hotBytes, `seed ${seed}: the moved hot set is young extents after 3 intervals`);
  }
});

test("a span that stays whole is re-scanned ever more rarely: clears fall far below a fixed rescan period", () => {
  // No cold accesses: every clear is the hot set's (each young cold page found costs one).
  const r = rig(5, 32768, 8000, true, 0);
  r.run(400);
  const w = r.ops.walkOf(r.t)!;
  let clears = 0;
  let passes = w.stats.passes;
  for (let s = 0; s < 800; s++) {
    r.run(1);
    clears += w.stats.clears;
  }
  passes = w.stats.passes - passes;
  // At a fixed period each pass would clear the 4 PMD bits and 1/16 of the 2048 hot pages.
  const fixed = passes * (4 + 2048 / RESCAN_WHOLE_EVERY);
  assert.ok(passes > 0 && clears > 0);
  assert.ok(clears < fixed / 2, `${clears} clears in ${passes} passes (fixed period: ${fixed})`);
  // And the hot set is still measured: every hot byte counted hot.
  for (const g of r.t.regions) g.nrAccesses = 0;
  r.run(20);
  assert.equal(estimatedHot(r, 20).inHot, r.hotBytes);
});

test("splitAtExtents / halfCovered: extent edges become region edges, within the split limit", () => {
  const t = new Target(1);
  setRegions(t, [{ start: 0, end: 100 * PAGE_SIZE }], PAGE_SIZE);
  const ext = [10 * PAGE_SIZE, 20 * PAGE_SIZE, 50 * PAGE_SIZE, 51 * PAGE_SIZE];
  splitAtExtents(t, ext, 1000);
  assert.deepEqual(
    t.regions.map((g) => [g.start / PAGE_SIZE, g.end / PAGE_SIZE]),
    [
      [0, 10],
      [10, 20],
      [20, 50],
      [50, 51],
      [51, 100],
    ],
  );
  assert.deepEqual(
    halfCovered(t, ext).map((g) => t.regions.indexOf(g)),
    [1, 3],
  );
  const t2 = new Target(1);
  setRegions(t2, [{ start: 0, end: 100 * PAGE_SIZE }], PAGE_SIZE);
  splitAtExtents(t2, ext, 2);
  assert.equal(t2.regions.length, 3, "two splits allowed");
});

test("run: tiny-hot at 64 GiB through runExperiment — ptscan finds the 4 MiB hot set", () => {
  const w = builtinWorkload("tiny-hot", { timeScale: 0.02 });
  // The guest profile (the CLI's default): a timer tick flushes the TLB, so a hot set
  // smaller than the TLB's reach is walked again (without it no walk sets any bit).
  const r = runExperiment({
    workload: w,
    ops: "ptscan",
    machine: machineOptionsFor("guest"),
    baseline: false,
    seed: 1,
    attrs: { sampleUs: 5000 },
  });
  assert.ok(r.summary.recallBytes !== null && r.summary.recallBytes > 0.9, `recall ${r.summary.recallBytes}`);
  assert.ok(
    r.summary.precisionBytes !== null && r.summary.precisionBytes > 0.9,
    `precision ${r.summary.precisionBytes}`,
  );
  assert.ok(r.summary.monitorCpuShare > 0, "the walk is charged to kdamond");
});

test("fitExtents closes the smallest gaps first, so a far extent keeps its own edges", () => {
  // Three close cold extents at the start, one hot extent far above.
  const ext = [0, 1, 3, 4, 6, 7, 1000, 1100];
  assert.deepEqual(fitExtents(ext, 4), ext);
  assert.deepEqual(fitExtents(ext, 2), [0, 7, 1000, 1100]);
  assert.deepEqual(fitExtents(ext, 1), [0, 1100]);
});
