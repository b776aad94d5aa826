import { test } from "node:test";
import assert from "node:assert/strict";
import { reclaimReport, tieringReport } from "../../src/eval/damos.js";
import { runPresetExperiment } from "../../src/eval/damos-seeds.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import type { WorkloadSpec } from "../../src/workload/spec.js";

const MiB = 2 ** 20;

/** Runs a preset on a workload at reduced scale; accesses cost 50 ns so runs stay short. */
function runPreset(w: WorkloadSpec, preset: string, memoryBytes: number, fastMemoryBytes?: number) {
  return runPresetExperiment(w, preset, { memoryBytes, fastMemoryBytes, localAccessNs: 50 });
}

test("reclaim preset on a workload with a cold half: memory saved, little slowdown, stats consistent", () => {
  const w = builtinWorkload("cold-half", { sizeScale: 1 / 32, timeScale: 0.4 });
  const { r, damos } = runPreset(w, "reclaim", 22 * MiB);
  const rep = reclaimReport(r, damos.handle);
  const s = damos.handle.runners[0].schemes[0];
  assert.equal(s.action, "pageout");
  assert.ok(s.stat.szApplied > 0 && s.stat.szApplied <= s.stat.szTried);
  assert.ok(rep.memorySaved! > 0.1, `saved ${rep.memorySaved}`);
  assert.ok(rep.slowdown! < 0.03, `slowdown ${rep.slowdown}`);
  // Only the cold half goes: the hot half never refaults much.
  assert.ok(rep.majorFaults < s.stat.szApplied / 4096 / 10, `refaults ${rep.majorFaults}`);
  assert.equal(r.machine.mem.swapUsedPages, r.machine.mem.swapOuts - r.machine.mem.swapIns);
});

test("tiering preset: the fast tier ends up serving close to the oracle's share", () => {
  const w = builtinWorkload("zipf-kv", { sizeScale: 1 / 64, timeScale: 0.25 });
  // Start from a bad placement: values first-touched on the slow node.
  w.regions[1].node = 1;
  const { r, damos } = runPreset(w, "tiering", 64 * MiB, 8 * MiB);
  const rep = tieringReport(r, damos.tiers!, damos.handle, damos.fastNodeFrames);
  assert.ok(rep.migratedPages > 0);
  // Converging: the second half is better than the whole run, and near the oracle.
  assert.ok(rep.steadyFastShare > rep.fastShare, `steady ${rep.steadyFastShare}, whole ${rep.fastShare}`);
  assert.ok(rep.gapToOracle < 0.1, `steady ${rep.steadyFastShare} vs oracle ${rep.oracleShare}`);
  assert.ok(rep.slowdownVsAllFast! > 0, "a two-tier machine is slower than all-fast memory");
});
