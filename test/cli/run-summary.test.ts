/**
 * `run`'s plain-language sentence grades a source by the run's F1 (over the active
 * windows, docs/metrics.md), not the plain mean that scores idle windows as 1: a run
 * with nothing hot is not "did well".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runExperiment } from "../../src/eval/experiment.js";
import { runSentence } from "../../src/cli/run-summary.js";
import { builtinWorkload } from "../../src/workload/builtins.js";

const FAST = { costs: { localAccessNs: 100 }, tlb: false as const };

test("a run with no active window says there is nothing to score, though its plain-mean F1 is 1", () => {
  // 300 ms of stairs: the 53 ms initial phase is about one pass of first-touch faults over
  // the 100 MB, and each region alone lasts 26 ms: no page is accessed in half of a window's
  // 20 sampling intervals.
  const r = runExperiment({
    workload: builtinWorkload("stairs", { timeScale: 0.01 }),
    ops: "vaddr",
    machine: { tlb: false },
    baseline: false,
    seed: 1,
  });
  assert.equal(r.summary.f1Active, null);
  assert.equal(r.summary.f1, 1, "the plain mean flatters");
  const s = runSentence(r);
  assert.doesNotMatch(s, /did well|F1 1\.00/);
  assert.match(s, /^vaddr: nothing was truly or estimated hot in the \d+ windows? after the warm-up/);
});

test("a run that finds the hot set is graded by its active-window F1, with byte-weighted precision and recall", () => {
  const r = runExperiment({
    workload: builtinWorkload("stairs", { timeScale: 0.2 }),
    ops: "vaddr",
    machine: FAST,
    baseline: false,
    seed: 1,
  });
  const s = r.summary;
  assert.ok(s.f1Active !== null && s.activeWindows > 0);
  const text = runSentence(r);
  assert.match(
    text,
    new RegExp(
      `^vaddr did (well|fairly well|poorly): hot-set F1 ${s.f1Active.toFixed(2)} over ${s.activeWindows} active windows? ` +
        `\\(byte-weighted precision ${s.precisionBytes!.toFixed(2)}, recall ${s.recallBytes!.toFixed(2)}\\)`,
    ),
  );
  const grade = s.f1Active >= 0.9 ? "well" : s.f1Active >= 0.7 ? "fairly well" : "poorly";
  assert.match(text, new RegExp(`did ${grade}:`));
});
