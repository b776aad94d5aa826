/**
 * The run's F1 (issue 18, "Idle windows score 1"): a window where nothing is truly
 * or estimated hot has precision = recall = 1 by convention, so a plain mean over
 * windows is inflated by idle time. The summary reports the mean over active
 * windows and a byte-weighted F1 beside the plain mean (docs/metrics.md).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeRun } from "../../src/eval/summary.js";
import { windowAccuracy, type WindowAccuracy } from "../../src/eval/window-metrics.js";
import { Machine } from "../../src/mm/machine.js";

const P = 4096;

/** A window's accuracy from its hot bytes: estimated-hot pages [0, est), truly-hot pages [off, off + tru). */
function acc(estPages: number, truePages: number, off = 0): WindowAccuracy {
  const pages = Array.from({ length: truePages }, (_, i) => off + i);
  return windowAccuracy(
    {
      samples: 20,
      n: pages.length,
      pid: new Int32Array(pages.length),
      vaddr: Float64Array.from(pages.map((p) => p * P)),
      paddr: Float64Array.from(pages.map((p) => p * P)),
      positive: Uint16Array.from(pages.map(() => 20)),
    },
    [
      { start: 0, end: estPages * P, nrAccesses: 20 },
      { start: estPages * P, end: 10_000 * P, nrAccesses: 0 },
    ].filter((r) => r.end > r.start),
    { space: "paddr", samplesPerAggr: 20 },
  );
}

function summary(accs: WindowAccuracy[], phaseChangesNs: number[] = []) {
  return summarizeRun({
    windows: accs.map((a, index) => ({
      index,
      startNs: index * 100e6,
      endNs: (index + 1) * 100e6,
      nrRegions: 2,
      accuracy: a,
    })),
    phaseChangesNs,
    machine: new Machine({ tlb: false }),
    durationNs: accs.length * 100e6,
    baselineNsPerAccess: null,
  });
}

test("an idle window scores 1 per window, but does not count in the active or byte-weighted F1", () => {
  const idle = acc(0, 0);
  assert.deepEqual([idle.precision, idle.recall, idle.f1, idle.bothHotBytes], [1, 1, 1, 0]);
  // 8 windows: the first 2 are warm-up; then 3 idle and 3 active ones.
  const exact = acc(10, 10); // F1 1, 10 pages
  const wide = acc(1000, 100); // precision 0.1, recall 1
  const missed = acc(0, 100); // nothing estimated hot: recall 0
  const s = summary([exact, exact, idle, idle, idle, exact, wide, missed]);
  assert.equal(s.warmupWindows, 2);
  const wideF1 = (2 * 0.1) / 1.1;
  // The plain mean (kept for compatibility) counts the idle windows as perfect.
  assert.ok(Math.abs(s.f1 - (3 + 1 + wideF1 + 0) / 6) < 1e-12, String(s.f1));
  assert.equal(s.activeWindows, 3);
  assert.ok(Math.abs(s.f1Active! - (1 + wideF1 + 0) / 3) < 1e-12, String(s.f1Active));
  // Byte-weighted: 110 pages both hot, 1010 estimated hot, 210 truly hot.
  const pb = 110 / 1010;
  const rb = 110 / 210;
  assert.ok(Math.abs(s.precisionBytes! - pb) < 1e-12);
  assert.ok(Math.abs(s.recallBytes! - rb) < 1e-12);
  assert.ok(Math.abs(s.f1Bytes! - (2 * pb * rb) / (pb + rb)) < 1e-12, String(s.f1Bytes));
});

test("a run that is idle after its warm-up has no active F1 (null), not 1", () => {
  const idle = acc(0, 0);
  const s = summary([acc(10, 10), idle, idle, idle, idle]);
  assert.equal(s.f1, 1);
  assert.equal(s.activeWindows, 0);
  assert.equal(s.f1Active, null);
  assert.equal(s.f1Bytes, null);
  assert.equal(s.precisionBytes, null);
  assert.equal(s.recallBytes, null);
});

test("estimated hot where nothing is truly hot: active, F1 0 (byte-weighted too)", () => {
  const s = summary([acc(10, 10), acc(50, 0), acc(50, 0), acc(50, 0), acc(50, 0)]);
  assert.equal(s.warmupWindows, 1);
  assert.equal(s.activeWindows, 4);
  assert.equal(s.f1Active, 0);
  assert.equal(s.precisionBytes, 0);
  assert.equal(s.recallBytes, null);
  assert.equal(s.f1Bytes, 0);
});

test("convergence judges the phase changes inside the scored windows and leaves out those in the unscored tail", () => {
  // Four 100 ms windows: missed, missed, exact, exact. Changes at 50 ms (converges in
  // its third window), 380 ms (inside the last window: converged at once) and 450 ms
  // (after the last aggregation: nothing scored it, so it is not "never").
  const missed = acc(0, 100);
  const exact = acc(10, 10);
  const s = summary([missed, missed, exact, exact], [50e6, 380e6, 450e6]);
  assert.deepEqual(s.convergence, [
    { changeNs: 50e6, windows: 3 },
    { changeNs: 380e6, windows: 1 },
  ]);
  assert.equal(s.convergenceMaxWindows, 3);
});
