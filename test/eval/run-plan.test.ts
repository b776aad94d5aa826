import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultAttrs } from "../../src/core/attrs.js";
import { prepareRun, runPlan, type RunPlan } from "../../src/eval/run-plan.js";
import { equalNodes } from "../../src/mm/numa-balancing/index.js";
import { findOps, registerOps } from "../../src/ops/registry.js";
import { UsageError } from "../../src/util/errors.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import type { WorkloadSpec } from "../../src/workload/spec.js";
import { allAccessedDescriptor } from "../ops/fixtures/all-accessed-ops.js";

const MiB = 2 ** 20;

/** A plan with the CLI's defaults on a small machine. */
function plan(workload: WorkloadSpec, over: Partial<RunPlan> = {}): RunPlan {
  return {
    workload,
    ops: ["vaddr"],
    opsExplicit: false,
    attrs: { ...defaultAttrs(), updateUs: 1_000_000 },
    durationNs: 4e8,
    seed: 1,
    tlb: true,
    profile: "guest",
    memoryBytes: 256 * MiB,
    shape: equalNodes(1, 256 * MiB),
    shapeOptions: [],
    swap: "zswap",
    hotThreshold: 0.5,
    hintingMode: "generic",
    faultKeepArmed: false,
    hwsamplePeriod: 10_000,
    baseline: false,
    damos: { startTier: "fast" },
    ...over,
  };
}

const small = () => builtinWorkload("stairs", { scale: 0.05, timeScale: 0.05 });

test("a source defined in a test, registered with one line, runs through the run plan", () => {
  if (!findOps(allAccessedDescriptor.name)) registerOps(allAccessedDescriptor);
  const [r] = runPlan(plan(small(), { ops: ["test-all-accessed"], opsExplicit: true }));
  assert.equal(r.ops, "test-all-accessed");
  assert.equal(r.space, "vaddr");
  assert.ok(r.snapshots.length >= 3);
  for (const w of r.windows) {
    const s = r.snapshots.find((x) => x.index === w.index)!;
    // Every region was "accessed" in every sample of the window.
    for (const reg of s.targets[0].regions) assert.equal(reg.nrAccesses, w.samples);
  }
  assert.equal(r.summary.attribution, null, "an Accessed-bit-like source has no CPU attribution");
});

test("a result carries its DAMOS outcome; without schemes it has none", () => {
  const [plain] = runPlan(plan(small()));
  assert.equal(plain.damos, undefined);
  const [r] = runPlan(plan(small(), { damos: { schemes: ["stat"], startTier: "fast" } }));
  assert.ok(r.damos);
  assert.equal(r.damos.handle.runners[0].schemes[0].action, "stat");
  assert.ok(r.damos.handle.runners[0].schemes[0].stat.nrTried > 0);
});

test("machine-shape options with DAMOS: merged into its machine, or refused by the tiering preset", () => {
  const two = { shape: equalNodes(2, 256 * MiB), shapeOptions: ["--nodes"] };
  const p = prepareRun(plan(small(), { ...two, damos: { schemes: ["stat"], startTier: "fast" } }));
  assert.equal(p.machine.nodes!.length, 2);
  assert.equal(p.machine.swap, "zswap");
  assert.throws(
    () => prepareRun(plan(small(), { ...two, damos: { preset: "tiering", startTier: "fast" } })),
    (e: unknown) => e instanceof UsageError && /drop --nodes/.test(e.message),
  );
  // Without DAMOS the shape is the machine, and --swap is not dropped.
  assert.equal(prepareRun(plan(small(), { ...two, swap: "disk" })).machine.swap, "disk");
});

test("the plan refuses what does not fit: filters on Accessed bits, fvaddr without ranges", () => {
  assert.throws(
    () => prepareRun(plan(small(), { sampleFilters: [{ type: "write", matching: true, allow: true }] })),
    /filters apply to access reports; vaddr use Accessed bits/,
  );
  assert.throws(
    () => prepareRun(plan(small(), { ops: ["fvaddr"], opsExplicit: true })),
    /fvaddr monitors fixed ranges/,
  );
});

test("operation sets of one plan share its unmonitored baseline run, with the figures each would get alone", () => {
  const both = runPlan(plan(small(), { ops: ["vaddr", "paddr"], opsExplicit: true, baseline: true }));
  const alone = runPlan(plan(small(), { ops: ["paddr"], opsExplicit: true, baseline: true }))[0];
  assert.ok(alone.baselineNsPerAccess !== null && alone.baselineNsPerAccess > 0);
  for (const r of both) {
    assert.equal(r.baselineNsPerAccess, alone.baselineNsPerAccess, r.ops);
    assert.equal(r.baselineResidentAvgBytes, alone.baselineResidentAvgBytes, r.ops);
  }
});
