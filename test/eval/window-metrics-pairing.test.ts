/**
 * DAMON's aggregation windows are scored against the truth of the very span DAMON
 * aggregated (issue 18, "Windows paired by time"): a watermark wait, a pause or
 * tuned intervals must not shift the pairing or leave windows unscored.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runExperiment, type ExperimentOptions, type ExperimentResult } from "../../src/eval/experiment.js";
import type { SchemesEngine } from "../../src/core/kdamond.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import { runJson } from "../../src/cli/run-json.js";

/** No scheme: the kdamond waits once, `waitUs` long, at the first iteration at or after `atNs`. */
function oneWatermarkWait(atNs: number, waitUs: number): SchemesEngine {
  let waited = false;
  return {
    start() {},
    watermarkWaitUs(_ctx, nowNs) {
      if (waited || nowNs < atNs) return 0;
      waited = true;
      return waitUs;
    },
    apply() {},
  };
}

/** Every aggregation DAMON made is scored, and the scored windows tile [0, last end] with no gap. */
function assertEveryWindowScored(r: ExperimentResult): void {
  const s = r.summary;
  assert.equal(s.windowsUnscored, 0, JSON.stringify(s.unscored));
  assert.equal(s.windowsScored, r.snapshots.length, `${s.windowsScored} of ${r.snapshots.length} scored`);
  assert.equal(r.windows.length, r.snapshots.length);
  let t = 0;
  for (const [i, w] of r.windows.entries()) {
    assert.equal(w.index, i);
    assert.equal(w.startNs, t, `window ${i} starts where the last ended`);
    assert.equal(w.startNs, r.snapshots[i].startNs);
    assert.equal(w.endNs, r.snapshots[i].endNs);
    t = w.endNs;
  }
  assert.equal(s.scoredNs, t);
  assert.ok(
    r.durationNs - t <= r.attrs.aggrUs * 1000 + 1,
    "only the tail after the last aggregation is unscored",
  );
}

/** A 1.5 s stairs run (0.5 s warm-up, then 0.25 s per region) under vaddr, no baseline. */
function stairsRun(seed: number, more: Partial<ExperimentOptions>): ExperimentResult {
  return runExperiment({
    workload: builtinWorkload("stairs", { timeScale: 0.1 }),
    ops: "vaddr",
    durationNs: 1.5e9,
    seed,
    baseline: false,
    ...more,
  });
}

test("a 250 ms watermark wait: every window of a stairs run is scored over the whole run (fails before pairing by time: 4 of 12)", () => {
  const r = stairsRun(1, { schemes: () => oneWatermarkWait(0.4e9, 250_000) });
  assertEveryWindowScored(r);
  // The window holding the wait spans it: 20 samples over 350 ms, and its truth is that whole span.
  const long = r.windows.filter((w) => w.endNs - w.startNs > 300e6);
  assert.equal(long.length, 1);
  assert.equal(long[0].samples, 20);
  // Stairs after its 0.5 s warm-up: one 10 MB region hot at a time; the later windows are judged and good.
  const late = r.windows.filter((w) => w.startNs >= 1e9);
  assert.ok(late.length >= 4);
  for (const w of late) assert.ok(w.accuracy.trueHotBytes >= 9e6, String(w.accuracy.trueHotBytes));
  assert.ok(r.summary.f1Active !== null && r.summary.f1Active > 0.7, String(r.summary.f1Active));
  // run --json carries the counts, the reasons and each window's samples (docs/json-output.md).
  const j = JSON.parse(JSON.stringify(runJson([r]))) as {
    runs: { summary: Record<string, unknown>; windows: { samples: number; bothHotBytes: number }[] }[];
  };
  const js = j.runs[0].summary;
  assert.deepEqual(
    [js.windowsScored, js.windowsUnscored, js.unscored, js.scoredNs],
    [r.windows.length, 0, [], r.summary.scoredNs],
  );
  for (const k of ["activeWindows", "f1Active", "precisionBytes", "recallBytes", "f1Bytes"])
    assert.ok(k in js, k);
  assert.deepEqual(
    j.runs[0].windows.map((w) => w.samples),
    r.windows.map((w) => w.samples),
  );
  assert.ok(j.runs[0].windows.every((w) => typeof w.bothHotBytes === "number"));
});

test("tuned intervals: every window is scored and the truth follows the new sampling interval (fails before pairing by time: 14 of 63)", () => {
  const truthSamples: number[] = [];
  const r = stairsRun(2, {
    attrs: { intervalsGoal: { accessBp: 400, aggrs: 2, minSampleUs: 1000, maxSampleUs: 20_000 } },
    onTruthWindow: (w) => truthSamples.push(w.samples),
  });
  assertEveryWindowScored(r);
  // No wait, so the truth's grid (restarted at each window with DAMON's current
  // interval) has exactly as many intervals as DAMON took samples.
  assert.deepEqual(
    truthSamples,
    r.windows.map((w) => w.samples),
  );
  const spans = new Set(r.windows.map((w) => w.endNs - w.startNs));
  assert.ok(spans.size > 1, "the tuner changed the window length");
  assert.equal(r.summary.windowsScored, r.snapshots.length);
});
