/**
 * The true hot set's pieces (docs/metrics.md, "Hot-set pieces"): maximal runs of
 * truly-hot pages at adjacent addresses, counted per window from the truth and
 * summarised per run. They tell when a hot set is too scattered for any bounded
 * number of regions, which the miss warning then says (test/cli/miss-warning.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeRun } from "../../src/eval/summary.js";
import { windowAccuracy, type WindowAccuracy } from "../../src/eval/window-metrics.js";
import { Machine } from "../../src/mm/machine.js";
import { Rng } from "../../src/util/rng.js";

const P = 4096;

/** A truth window over `pages` (page number → positive samples of 20), of process `pid` 1 unless given. */
function truth(pages: [number, number][], pids?: number[]) {
  return {
    samples: 20,
    n: pages.length,
    pid: Int32Array.from(pages.map((_, i) => pids?.[i] ?? 1)),
    vaddr: Float64Array.from(pages.map(([p]) => p * P)),
    paddr: Float64Array.from(pages.map(([p]) => (1000 + p) * P)),
    positive: Uint16Array.from(pages.map(([, pos]) => pos)),
  };
}

const ONE_REGION = [{ start: 0, end: 1 << 30, nrAccesses: 0 }];

test("pieces: hot pages next to each other are one piece; a cold or untouched page between splits them", () => {
  // Hot (≥ 10 of 20): 3, 4, 5 | 8 | 10, with 9 touched but cold | 20, 21. Given out of order.
  const w = truth([
    [21, 20],
    [3, 20],
    [9, 2],
    [4, 10],
    [8, 15],
    [5, 19],
    [10, 20],
    [20, 11],
    [30, 9], // touched, just under the threshold: not hot
  ]);
  for (const space of ["vaddr", "paddr"] as const) {
    const a = windowAccuracy(w, ONE_REGION, { space, samplesPerAggr: 20 });
    assert.equal(a.trueHotPieces, 4, space);
    assert.equal(a.trueHotBytes, 7 * P, space);
  }
  // A higher threshold: 3, 5, 8, 10, 21 stay hot (4 and 20 are not): five pieces.
  const high = windowAccuracy(w, ONE_REGION, { space: "vaddr", samplesPerAggr: 20, hotThreshold: 0.75 });
  assert.equal(high.trueHotPieces, 5);
  // Nothing hot: no piece.
  assert.equal(
    windowAccuracy(truth([[1, 3]]), ONE_REGION, { space: "vaddr", samplesPerAggr: 20 }).trueHotPieces,
    0,
  );
});

test("pieces: vaddr counts only the target process's pages", () => {
  // Pages 1..4 hot, but 2 belongs to another process: for pid 1 that is 1 | 3, 4.
  const w = truth(
    [
      [1, 20],
      [2, 20],
      [3, 20],
      [4, 20],
    ],
    [1, 2, 1, 1],
  );
  assert.equal(
    windowAccuracy(w, ONE_REGION, { space: "vaddr", pid: 1, samplesPerAggr: 20 }).trueHotPieces,
    2,
  );
  assert.equal(windowAccuracy(w, ONE_REGION, { space: "vaddr", samplesPerAggr: 20 }).trueHotPieces, 1);
});

test("pieces: random hot sets, against a count over a bitmap (seeds 1..30)", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const rng = new Rng(seed);
    const span = 2000;
    const pos = new Uint16Array(span);
    const pages: [number, number][] = [];
    for (let p = 0; p < span; p++) {
      if (rng.nextFloat() < 0.4) {
        pos[p] = 1 + Math.floor(rng.nextFloat() * 20);
        pages.push([p, pos[p]]);
      }
    }
    // Shuffle: the truth's pages come in first-touch order, not address order.
    for (let i = pages.length - 1; i > 0; i--) {
      const j = Math.floor(rng.nextFloat() * (i + 1));
      [pages[i], pages[j]] = [pages[j], pages[i]];
    }
    let expected = 0;
    for (let p = 0; p < span; p++) if (pos[p] >= 10 && !(p > 0 && pos[p - 1] >= 10)) expected++;
    const a = windowAccuracy(truth(pages), ONE_REGION, { space: "vaddr", samplesPerAggr: 20 });
    assert.equal(a.trueHotPieces, expected, `seed ${seed}`);
  }
});

/** A hot-set window of `pages` ([page, accesses] pairs) in one region. */
const hotWindow = (pages: [number, number][]): WindowAccuracy =>
  windowAccuracy(truth(pages), ONE_REGION, { space: "vaddr", samplesPerAggr: 20 });

/** The run summary of consecutive 100 ms windows with `nrRegions` regions each. */
function summaryOf(accs: WindowAccuracy[], nrRegions: number) {
  return summarizeRun({
    windows: accs.map((a, index) => ({
      index,
      startNs: index * 1e8,
      endNs: (index + 1) * 1e8,
      nrRegions,
      accuracy: a,
    })),
    phaseChangesNs: [],
    machine: new Machine({ tlb: false }),
    durationNs: accs.length * 1e8,
    baselineNsPerAccess: null,
  });
}

test("the run's pieces are the median over the windows with something hot, after the warm-up", () => {
  // `pieces` hot pages two pages apart.
  const acc = (pieces: number): WindowAccuracy =>
    hotWindow(Array.from({ length: pieces }, (_, i): [number, number] => [2 * i, 20]));
  const ws = [500, 500, 3, 0, 7, 0, 5, 9].map(acc); // 8 windows: the first 2 are warm-up
  const s = summaryOf(ws, 1);
  // Windows with something hot after the warm-up: 3, 7, 5, 9 → the (upper) median 7.
  assert.equal(s.trueHotPiecesMedian, 7);
  assert.equal(s.trueHotPieceBytesMedian, P);
});

// A fault-in ramp of thousands of single pages beside one big piece later: the count
// and the size must come from one window (their separate medians gave "11740 pieces of
// 256 MiB each" for a 256 MiB hot set), and a run with no window has no regions.
test("the pieces' count and size come from the same window", () => {
  const ramp = hotWindow(Array.from({ length: 9 }, (_, i): [number, number] => [2 * i, 20]));
  const big = hotWindow(Array.from({ length: 40 }, (_, i): [number, number] => [100 + i, 20]));
  const run = (accs: WindowAccuracy[]) => summaryOf(accs, 3);
  for (const order of [
    [ramp, big],
    [big, ramp],
  ]) {
    const s = run(order);
    assert.equal(s.warmupWindows, 0);
    // The median window by count is the ramp (upper median of 1 and 9): 9 pieces of one page.
    assert.equal(s.trueHotPiecesMedian, 9);
    assert.equal(s.trueHotPieceBytesMedian, P);
    assert.equal(s.trueHotPiecesMedian * s.trueHotPieceBytesMedian, ramp.trueHotBytes);
  }
  const none = run([]);
  assert.deepEqual([none.nrRegionsMin, none.nrRegionsMax, none.trueHotPiecesMedian], [0, 0, 0]);
});
