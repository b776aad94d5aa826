import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Snapshot } from "../../src/kernel/snapshot.js";
import {
  alignToPhases,
  comparePhases,
  fidelityChecks,
  gridSimilarity,
  nrRegionsStats,
  percentileOf,
  workloadHeatGrid,
  wssRelDiff,
  wssValues,
  type NrRegionsStats,
  type SideRun,
} from "../../src/fidelity/compare.js";

const snap = (t: number, regions: [number, number, number][]): Snapshot => ({
  startNs: t * 1e8,
  endNs: (t + 1) * 1e8,
  regions: regions.map(([start, end, nrAccesses]) => ({ start, end, nrAccesses, age: 0 })),
});

void test("damo-style percentiles pick sorted[trunc(p/100 n)]", () => {
  assert.equal(percentileOf([], 50), null);
  assert.equal(percentileOf([1, 2, 3, 4], 50), 3);
  assert.equal(percentileOf([1, 2, 3, 4], 0), 1);
  assert.equal(percentileOf([1, 2, 3, 4], 100), 4);
});

void test("wss drops the first snapshots and counts regions with nr_accesses >= 1", () => {
  const s = [
    snap(0, [[0, 100, 5]]),
    snap(1, [
      [0, 10, 1],
      [10, 30, 0],
      [30, 60, 2],
    ]),
    snap(2, [[0, 60, 0]]),
  ];
  assert.deepEqual(wssValues(s, 1), [0, 40]);
  assert.deepEqual(wssValues(s, 0), [0, 40, 100]);
});

void test("nr_regions stats and share within bounds", () => {
  const s = [
    snap(0, [[0, 1, 0]]),
    snap(1, [
      [0, 1, 0],
      [1, 2, 0],
      [2, 3, 0],
    ]),
    snap(2, [
      [0, 1, 0],
      [1, 2, 0],
    ]),
  ];
  assert.deepEqual(nrRegionsStats(s, 2, 3), { min: 1, median: 2, max: 3, withinBounds: 2 / 3 });
  assert.equal(nrRegionsStats([], 1, 2), null);
});

/** A side whose two workload regions (a, b) sit at `base`; `hot` says which is accessed per snapshot. */
function side(base: number, hot: string[], periodNs = 1e8): SideRun {
  const a = { name: "a", start: base, end: base + 4096 * 100 };
  const b = { name: "b", start: base + 4096 * 200, end: base + 4096 * 300 };
  return {
    workloadRegions: [a, b],
    phases: [
      { index: 0, name: "p0", startNs: 0 },
      { index: 1, name: "p1", startNs: (hot.length / 2) * periodNs },
    ],
    samplesPerAggr: 20,
    snapshots: hot.map((h, i) => ({
      startNs: i * periodNs,
      endNs: (i + 1) * periodNs,
      regions: [
        { start: a.start, end: a.end, nrAccesses: h === "a" ? 20 : 0, age: 0 },
        { start: a.end, end: b.start, nrAccesses: 0, age: 0 },
        { start: b.start, end: b.end, nrAccesses: h === "b" ? 20 : 0, age: 0 },
      ],
    })),
  };
}

void test("hot regions per phase are compared by workload-region name, not address", () => {
  const hot = [...Array<string>(10).fill("a"), ...Array<string>(10).fill("b")];
  const k = side(1 << 30, hot);
  const s = side(1 << 20, hot);
  const ph = comparePhases(k, s, ["a", "b"], 0);
  assert.deepEqual(
    ph.map((p) => [p.kernel.hottest, p.simulator.hottest, p.same]),
    [
      ["a", "a", true],
      ["b", "b", true],
    ],
  );
  const swapped = side(1 << 20, [...hot].reverse());
  assert.deepEqual(
    comparePhases(k, swapped, [], 0).map((p) => p.same),
    [false, false],
  );
});

void test("heatmaps on the workload-region grid: same pattern at other addresses and pace correlates", () => {
  const hot = [...Array<string>(12).fill("a"), ...Array<string>(12).fill("b")];
  const g = { binNs: 2e8, endNs: 24e8, cols: 20 };
  const k = workloadHeatGrid(
    side(
      1 << 30,
      hot.filter((_, i) => i % 4 !== 3),
      1.33e8,
    ),
    g,
    ["a", "b"],
  );
  const s = workloadHeatGrid(side(1 << 20, hot), g, ["a", "b"]);
  const sim = gridSimilarity(k, s);
  assert.equal(sim.cells, 12 * 20);
  assert.ok(sim.pearson! > 0.9, String(sim.pearson));
  const r = workloadHeatGrid(side(1 << 20, [...hot].reverse()), g, ["a", "b"]);
  assert.ok(gridSimilarity(k, r).pearson! < -0.5);
  assert.throws(() => workloadHeatGrid(side(0, hot), g, ["a", "c"]), /missing/);
});

void test("grid similarity: Pearson in [-1, 1], identical grids score 1, L1 similarity in [0, 1]", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
        // size "max": fast-check's default size caps arrays at about 10 whatever maxLength says.
        { minLength: 2, maxLength: 50, size: "max" },
      ),
      (pairs) => {
        const a = Float64Array.from(pairs.map((p) => p[0]));
        const b = Float64Array.from(pairs.map((p) => p[1]));
        const s = gridSimilarity(a, b);
        if (s.pearson !== null) assert.ok(s.pearson >= -1 - 1e-9 && s.pearson <= 1 + 1e-9);
        if (s.l1Similarity !== null) assert.ok(s.l1Similarity >= -1e-9 && s.l1Similarity <= 1 + 1e-9);
        const self = gridSimilarity(a, a);
        if (self.pearson !== null) assert.ok(Math.abs(self.pearson - 1) < 1e-9);
        if (self.l1Similarity !== null) assert.equal(self.l1Similarity, 1);
      },
    ),
    { seed: 7 },
  );
  assert.equal(gridSimilarity(Float64Array.of(NaN, 1), Float64Array.of(1, NaN)).cells, 0);
});

void test("phase alignment maps each side's phases onto the config's timeline", () => {
  // the side's phases start at 0, 1.2 s, 2.5 s; the config's at 0, 1 s, 2 s
  const s: SideRun = {
    workloadRegions: [],
    samplesPerAggr: 20,
    phases: [
      { index: 0, name: "p0", startNs: 0 },
      { index: 1, name: "p1", startNs: 1.2e9 },
      { index: 2, name: "p2", startNs: 2.5e9 },
    ],
    snapshots: [
      { startNs: -0.1e9, endNs: 0.6e9, regions: [] },
      { startNs: 1.2e9, endNs: 1.85e9, regions: [] },
      { startNs: 2.5e9, endNs: 3e9, regions: [] },
    ],
  };
  const a = alignToPhases(s, [0, 1e9, 2e9]);
  const t = a.snapshots.map((x) => [x.startNs / 1e9, x.endNs / 1e9].map((v) => Math.round(v * 1000) / 1000));
  assert.deepEqual(t, [
    [-0.1, 0.5],
    [1, 1.5],
    [2, 2.5],
  ]);
  assert.deepEqual(
    a.phases.map((p) => p.startNs),
    [0, 1e9, 2e9],
  );
  // identity when the side already follows the config
  const id = alignToPhases(a, [0, 1e9, 2e9]);
  assert.deepEqual(id.snapshots, a.snapshots);
});

void test("the WSS difference is relative to the kernel's median (fails before: |k − s| / max(k, s))", () => {
  // The simulator over-estimates 8 MiB as 10 MiB: 25 % of the reference, not 20 % of the larger.
  assert.equal(wssRelDiff(8 << 20, 10 << 20), 0.25);
  assert.equal(wssRelDiff(10 << 20, 8 << 20), 0.2);
  assert.equal(wssRelDiff(0, 0), 0);
  assert.equal(wssRelDiff(0, 4096), Infinity);
  assert.equal(wssRelDiff(null, 4096), null);
  const hot = [...Array<string>(10).fill("a"), ...Array<string>(10).fill("b")];
  const phases = comparePhases(side(1 << 30, hot), side(1 << 20, hot), ["a", "b"], 0);
  const ok: NrRegionsStats = { min: 3, median: 3, max: 3, withinBounds: 1 };
  const c = fidelityChecks({
    wssMedianRelDiff: wssRelDiff(8 << 20, 10 << 20),
    wssTolerance: 0.2,
    phases,
    nrRegions: { kernel: ok, simulator: ok },
  });
  assert.equal(c.wssWithin, false);
  assert.equal(c.pass, false);
  assert.equal(c.hotSame && c.hotExpected && c.nrRegionsWithin, true);
});

void test("--check includes the region-count bounds on both sides (fails before: not checked)", () => {
  const hot = [...Array<string>(10).fill("a"), ...Array<string>(10).fill("b")];
  const k = side(1 << 30, hot);
  const s = side(1 << 20, hot);
  const phases = comparePhases(k, s, ["a", "b"], 0);
  const checks = (minNr: number, maxNr: number) =>
    fidelityChecks({
      wssMedianRelDiff: 0,
      wssTolerance: 0.15,
      phases,
      nrRegions: {
        kernel: nrRegionsStats(k.snapshots, minNr, maxNr),
        simulator: nrRegionsStats(s.snapshots, minNr, maxNr),
      },
    });
  // Every snapshot of the fixture has 3 regions.
  assert.deepEqual([checks(3, 10).nrRegionsWithin, checks(3, 10).pass], [true, true]);
  assert.deepEqual([checks(10, 1000).nrRegionsWithin, checks(10, 1000).pass], [false, false]);
  assert.deepEqual([checks(1, 2).nrRegionsWithin, checks(1, 2).pass], [false, false]);
  // One side out of bounds in a single snapshot is enough to fail.
  const oneOff = fidelityChecks({
    wssMedianRelDiff: 0,
    wssTolerance: 0.15,
    phases,
    nrRegions: {
      kernel: { min: 3, median: 3, max: 1001, withinBounds: 19 / 20 },
      simulator: nrRegionsStats(s.snapshots, 3, 10),
    },
  });
  assert.equal(oneOff.pass, false);
  // No snapshot on a side: cannot be within bounds.
  assert.equal(
    fidelityChecks({
      wssMedianRelDiff: 0,
      wssTolerance: 0.15,
      phases,
      nrRegions: { kernel: null, simulator: null },
    }).nrRegionsWithin,
    false,
  );
});

void test("each side's hot region is compared with the workload's, not only with the other side's (fails before: agreeing sides passed)", () => {
  // Both sides agree on every phase, but the workload makes "a" hot first, then "b": they see it the wrong way round.
  const hot = [...Array<string>(10).fill("b"), ...Array<string>(10).fill("a")];
  const phases = comparePhases(side(1 << 30, hot), side(1 << 20, hot), ["a", "b"], 0);
  assert.deepEqual(
    phases.map((p) => [p.same, p.kernelAsExpected, p.simulatorAsExpected]),
    [
      [true, false, false],
      [true, false, false],
    ],
  );
  const ok: NrRegionsStats = { min: 3, median: 3, max: 3, withinBounds: 1 };
  const c = fidelityChecks({
    wssMedianRelDiff: 0,
    wssTolerance: 0.15,
    phases,
    nrRegions: { kernel: ok, simulator: ok },
  });
  assert.deepEqual([c.judgedPhases, c.hotSame, c.hotExpected, c.pass], [2, true, false, false]);
  // Only the simulator right: still a failure, and the phase says which side missed.
  const mixed = comparePhases(side(1 << 30, hot), side(1 << 20, [...hot].reverse()), ["a", "b"], 0);
  assert.deepEqual(
    mixed.map((p) => [p.kernelAsExpected, p.simulatorAsExpected]),
    [
      [false, true],
      [false, true],
    ],
  );
  // A phase without a single expected region is shown, not judged.
  const warm = comparePhases(side(1 << 30, hot), side(1 << 20, hot), [null, "a"], 0);
  assert.deepEqual([warm[0].kernelAsExpected, warm[0].simulatorAsExpected], [null, null]);
  assert.equal(
    fidelityChecks({
      wssMedianRelDiff: 0,
      wssTolerance: 0.15,
      phases: warm,
      nrRegions: { kernel: ok, simulator: ok },
    }).judgedPhases,
    1,
  );
});
