import assert from "node:assert/strict";
import { test } from "node:test";
import { runExperiment } from "../../src/eval/experiment.js";
import { missWarnings } from "../../src/cli/run-summary.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import type { WorkloadSpec } from "../../src/workload/spec.js";

const FAST = { costs: { localAccessNs: 100 } };

test("a source that misses a tiny hot set in a huge span gets a one-line warning naming the region size", () => {
  // 4 MiB hot in 64 GiB: a dozen regions of ~5 GiB each.
  for (const seed of [1, 2]) {
    const w = builtinWorkload("tiny-hot", { timeScale: 0.02 });
    const r = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false, seed });
    assert.ok(r.summary.recall < 0.5, `seed ${seed}: recall ${r.summary.recall}`);
    const ws = missWarnings([r]);
    assert.equal(ws.length, 1);
    assert.ok(!ws[0].includes("\n"), "one line");
    assert.match(
      ws[0],
      /^warning: vaddr missed most of the hot set \(byte-weighted recall 0\.\d\d\): its \d+\.\.\d+ regions over /,
    );
    assert.match(ws[0], /× the .* true hot set/);
  }
});

test("no warning when the source finds the hot set", () => {
  const w = builtinWorkload("stairs", { timeScale: 0.2 });
  const r = runExperiment({
    workload: w,
    ops: "vaddr",
    machine: { ...FAST, tlb: false },
    baseline: false,
    seed: 1,
  });
  assert.ok(r.summary.recall >= 0.5, `recall ${r.summary.recall}`);
  assert.deepEqual(missWarnings([r]), []);
});

test("ptscan's warning names the walk, not region size: a hot set kept in the TLB is never walked", () => {
  // 4 MiB hot set, a 1536-entry TLB and no TLB events: its translations stay cached.
  const w = builtinWorkload("tiny-hot", { timeScale: 0.02 });
  const r = runExperiment({ workload: w, ops: "ptscan", machine: FAST, baseline: false, seed: 1 });
  const ws = missWarnings([r]);
  assert.equal(ws.length, 1, `recall ${r.summary.recallBytes}`);
  assert.match(ws[0], /^warning: ptscan missed most of the hot set .*page-table walk.*TLB.*--ptscan-budget/);
});

test("a source that finds the hot set inside far bigger hot regions says its precision is low, and why", () => {
  // hwsample: every 10,000th access is reported, so the 4 MiB hot set is found, but each
  // report marks its whole region (gigabytes in 64 GiB) hot.
  for (const seed of [1, 2]) {
    const w = builtinWorkload("tiny-hot", { timeScale: 0.02 });
    const r = runExperiment({ workload: w, ops: "hwsample", machine: FAST, baseline: false, seed });
    const s = r.summary;
    assert.ok((s.recallBytes ?? 0) >= 0.5, `seed ${seed}: recall ${s.recallBytes}`);
    assert.ok(
      s.precisionBytes !== null && s.precisionBytes < 0.5,
      `seed ${seed}: precision ${s.precisionBytes}`,
    );
    const ws = missWarnings([r]);
    assert.equal(ws.length, 1);
    assert.ok(!ws[0].includes("\n"), "one line");
    assert.match(
      ws[0],
      /^warning: hwsample counted mostly cold memory as hot \(byte-weighted precision 0\.\d\d\): .* regions average .*× the .* true hot set/,
    );
  }
});

test("a hot set in more pieces than the regions can tell apart: the warning counts them (sparse-kv-drift)", () => {
  // Zipf-hot 1 KiB values hashed over 64 GiB: each hot key is a 4 KiB piece of its own
  // (docs/metrics.md, "Hot-set pieces"). With 100 regions at most, vaddr separates about
  // 50 pieces and ptscan 25; with 1000, the pieces are not what stops vaddr here.
  const w = builtinWorkload("sparse-kv-drift", { timeScale: 0.02 });
  const attrs = { minNrRegions: 10, maxNrRegions: 100 };
  for (const [ops, per] of [
    ["vaddr", 2],
    ["ptscan", 4],
  ] as const) {
    const r = runExperiment({ workload: w, ops, attrs, machine: FAST, baseline: false, seed: 1 });
    const pieces = r.summary.trueHotPiecesMedian;
    assert.ok(pieces * per > 100, `${ops}: ${pieces} pieces`);
    const ws = missWarnings([r]);
    assert.equal(ws.length, 1, ops);
    assert.ok(!ws[0].includes("\n"), "one line");
    assert.match(
      ws[0],
      new RegExp(
        `^warning: ${ops} missed most of the hot set .*: the true hot set is in ${pieces} separate pieces`,
      ),
    );
    assert.match(ws[0], new RegExp(`at most 100 regions tell about ${100 / per} pieces`));
    assert.match(ws[0], new RegExp(`fewer than ${pieces * per} regions`));
  }
  const wide = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false, seed: 1 });
  assert.ok(wide.summary.trueHotPiecesMedian * 2 <= 1000);
  const ws = missWarnings([wide]);
  assert.equal(ws.length, 1);
  assert.doesNotMatch(ws[0], /pieces/);
  assert.match(ws[0], /regions over .* average/);
});

// The warning compares region size with the true hot set, not the working set: a warm
// 2 GiB region (often touched, not hot) made 4 GiB regions look "not much bigger" and
// blamed the access source for what its regions hid.
test("a hot set hidden beside a warm one: the warning measures regions against the hot set", () => {
  const GiB = 2 ** 30;
  const random = (region: number, probability: number) =>
    ({ region, kind: "random", strideBytes: 64, probability, mode: "ro" }) as const;
  const w: WorkloadSpec = {
    name: "warm-hot",
    description: "4 MiB hot beside a 2 GiB warm set in a 60 GiB idle mapping",
    regions: [
      { name: "space", sizeBytes: 60 * GiB },
      { name: "hot", sizeBytes: 4 * 2 ** 20 },
      { name: "warm", sizeBytes: 2 * GiB },
    ],
    threads: [
      {
        cpu: 0,
        phases: [{ name: "all", durationNs: 1e9, patterns: [random(0, 1), random(1, 900), random(2, 99)] }],
      },
    ],
  };
  const r = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false, seed: 1 });
  const s = r.summary;
  assert.ok((s.recallBytes ?? 0) < 0.5, `recall ${s.recallBytes}`);
  assert.ok(
    s.trueWssMedianBytes > 64 * s.trueHotPiecesMedian * s.trueHotPieceBytesMedian,
    "the warm set is in the WSS",
  );
  const ws = missWarnings([r]);
  assert.equal(ws.length, 1);
  assert.match(
    ws[0],
    /× the 4\.0 MiB true hot set, so a region's one sampled page per interval rarely lands in it/,
  );
});

test("a kdamond whose work outlasts its sampling interval is named: a real one would fall behind", () => {
  const w = builtinWorkload("tiny-hot", { timeScale: 0.002 });
  const attrs = { sampleUs: 1, aggrUs: 1000 };
  const r = runExperiment({ workload: w, ops: "vaddr", attrs, machine: FAST, baseline: false, seed: 1 });
  assert.ok(r.summary.monitorCpuShare > 1, `share ${r.summary.monitorCpuShare}`);
  assert.match(
    missWarnings([r])[0],
    /^warning: vaddr: monitoring took \d+\.\d % of one CPU: its work per sampling interval is longer than the interval/,
  );
  const calm = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false, seed: 1 });
  assert.ok(calm.summary.monitorCpuShare < 1);
  assert.ok(!missWarnings([calm]).some((l) => /monitoring took/.test(l)));
});
