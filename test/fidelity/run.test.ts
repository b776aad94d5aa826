/**
 * The fidelity comparison end to end without qemu: the "guest" run is a simulator run
 * with another seed, moved to other addresses and a later clock, with coarser
 * snapshots (as under emulation). Agreement must be found; a guest run whose phases
 * are in the reverse order must be caught.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runExperiment, type ExperimentResult } from "../../src/eval/experiment.js";
import { masimWorkload } from "../../src/workload/builtins.js";
import { fidelityWorkload } from "../../src/fidelity/shapes.js";
import { runFidelity } from "../../src/fidelity/run.js";
import { fidelityTable } from "../../src/cli/commands/fidelity.js";
import type { VmRunResult } from "../../src/vm/run.js";
import { simpleKdamonds } from "../../src/config/kdamonds.js";
import type { Snapshot } from "../../src/kernel/snapshot.js";

// regions well beyond the simulated TLB's reach (smaller ones would keep their translations cached)
const shape = { regions: 3, regionBytes: 8 << 20, initialMs: 300, phaseMs: 1000 };
const w = fidelityWorkload("stairs", { shape });
const other = runExperiment({
  workload: masimWorkload(w.config, w.name),
  ops: "vaddr",
  baseline: false,
  seed: 2,
});

function fakeGuest(r: ExperimentResult, reverse = false): VmRunResult {
  const shift = 2 ** 40;
  const t0 = 5e9;
  const snaps: Snapshot[] = [];
  // keep 3 of every 4 aggregations, the dropped one's time folded into the next (about 133 ms each)
  let from = 0;
  r.snapshots.forEach((s, i) => {
    if (i % 4 === 3) return;
    snaps.push({
      startNs: t0 + from,
      endNs: t0 + s.endNs,
      regions: s.targets[0].regions.map((g) => ({
        start: g.start + shift,
        end: g.end + shift,
        nrAccesses: g.nrAccesses,
        age: g.age,
      })),
    });
    from = s.endNs;
  });
  const names = r.workloadRegions.map((x) => x.name);
  const order = reverse ? [...names].reverse() : names;
  let at = t0;
  return {
    kernelVersion: "fake",
    config: simpleKdamonds({ targetPid: 0 }),
    snapshots: snaps,
    droppedPartial: 0,
    // reversed: the names swap places, so each phase's hot addresses carry another name
    regions: r.workloadRegions.map((x, i) => ({
      name: order[i],
      start: x.start + shift,
      end: x.end + shift,
    })),
    phases: w.config.phases.map((p, index) => {
      const ph = { index, name: p.name, startNs: at };
      at += p.durationMs * 1e6;
      return ph;
    }),
    schemeStats: [],
    numaNodesSeen: 1,
    timings: { setupMs: 0, bootMs: 0, damonOnMs: 0, totalMs: 0 },
    console: "",
  };
}

void test("an equivalent run elsewhere in time and address space agrees on wss, hot regions and heatmap", async () => {
  const r = await runFidelity({ workload: w, guestRun: fakeGuest(other), seed: 1, excludeSamples: 5 });
  assert.equal(r.schema, "damon-ts/fidelity/2");
  assert.ok(r.sides.kernel.meanIntervalMs! > 120 && r.sides.simulator.meanIntervalMs === 100);
  assert.ok(r.wss.medianDiff! <= 0.15, JSON.stringify(r.wss));
  assert.equal(r.checks.judgedPhases, 3);
  assert.ok(r.checks.hotSame, JSON.stringify(r.phases));
  assert.ok(r.checks.pass);
  assert.ok(r.heatmap.pearson! > 0.8, String(r.heatmap.pearson));
  assert.ok(r.heatmap.phaseAligned.pearson! > 0.8, String(r.heatmap.phaseAligned.pearson));
  assert.equal(r.nrRegions.simulator!.withinBounds, 1);
  assert.ok(r.checks.hotExpected && r.checks.nrRegionsWithin, JSON.stringify(r.checks));
  assert.ok(
    r.phases.filter((p) => p.expected !== null).every((p) => p.kernelAsExpected && p.simulatorAsExpected),
  );
  const table = fidelityTable(r);
  assert.match(table, /both sides find the workload's hot region in all 3 judged phases: ok/);
  assert.match(table, /result: PASS/);
});

void test("a run whose hot regions come in another order fails the hot-region check", async () => {
  const r = await runFidelity({ workload: w, guestRun: fakeGuest(other, true), seed: 1, excludeSamples: 5 });
  assert.equal(r.checks.hotSame, false);
  assert.equal(r.checks.hotExpected, false);
  assert.equal(r.checks.pass, false);
  assert.match(fidelityTable(r), /DIFFERENT; workload's: \S+ \(MISSED\)/);
  assert.ok(r.phases.some((p) => p.expected !== null && !p.same));
  assert.ok(r.heatmap.pearson! < 0.5, String(r.heatmap.pearson));
});
