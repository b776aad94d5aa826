/**
 * Fault- and sample-based access sources end to end on the simulated machine
 * (issue 4): their accuracy next to the Accessed bit's, the attribution they add,
 * and sample filters that keep one CPU's writes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runExperiment } from "../../src/eval/experiment.js";
import { resolveWorkload, builtinWorkload } from "../../src/workload/builtins.js";
import { sampleFiltersFrom } from "../../src/cli/sample-filters.js";

const MASIM = new URL("../../workloads/masim/", import.meta.url).pathname;
const FAST = { costs: { localAccessNs: 100 }, nodes: [{ sizeBytes: 2 ** 30 }] };

test("vaddr-fault finds the stairs as well as vaddr, with reports instead of Accessed-bit checks", () => {
  const w = resolveWorkload(`${MASIM}stairs_30secs.cfg`, { timeScale: 0.2 });
  const bits = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false }).summary;
  const r = runExperiment({ workload: w, ops: "vaddr-fault", machine: FAST, baseline: false });
  const faults = r.summary;
  assert.ok(faults.f1 > 0.9 && faults.f1 >= bits.f1 - 0.05, `F1 ${faults.f1} vs ${bits.f1}`);
  const mb = faults.estWssMedianBytes / 1e6;
  assert.ok(mb >= 9 && mb <= 11, `median WSS ${mb} MB`);
  assert.ok(faults.faultsPerSec > 0);
  assert.equal(r.machine.stats().kdamond.checks, 0, "no Accessed-bit checks");
  assert.ok(r.ctx.reports.stats.counted > 0);
});

test("paddr-fault and hwsample monitor physical memory through reports", () => {
  const w = resolveWorkload(`${MASIM}stairs_30secs.cfg`, { timeScale: 0.2 });
  for (const ops of ["paddr-fault", "hwsample"]) {
    const r = runExperiment({ workload: w, ops, machine: FAST, baseline: false, hwsamplePeriod: 2000 });
    assert.ok(r.ctx.reports.stats.counted > 100, `${ops}: ${JSON.stringify(r.ctx.reports.stats)}`);
    assert.ok(r.summary.recall > 0.3, `${ops}: recall ${r.summary.recall}`);
  }
});

test("report-based sources attribute accesses to the right CPUs and threads", () => {
  const w = builtinWorkload("stairs-mt", { timeScale: 0.1 });
  for (const ops of ["vaddr-fault", "hwsample-vaddr"]) {
    const r = runExperiment({ workload: w, ops, machine: FAST, baseline: false, hwsamplePeriod: 2000 });
    const a = r.summary.attribution!;
    assert.ok(a.reports > 100, `${ops}: ${a.reports} reports`);
    assert.ok(
      a.cpu !== null && a.cpu < 0.1 && a.thread !== null && a.thread < 0.1,
      `${ops}: ${JSON.stringify(a)}`,
    );
  }
  const bits = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false });
  assert.equal(bits.summary.attribution, null, "Accessed bits cannot attribute");
});

test("--filter cpu=1 --filter write: DAMON sees only CPU 1's writes", () => {
  const w = builtinWorkload("stairs-mt", { timeScale: 0.1 });
  const r = runExperiment({
    workload: w,
    ops: "vaddr-fault",
    machine: FAST,
    baseline: false,
    sampleFilters: sampleFiltersFrom(["cpu=1", "write"]),
  });
  const cpu1 = r.workloadRegions.filter((x) => x.name.startsWith("t1"));
  const cpu0 = r.workloadRegions.filter((x) => x.name.startsWith("t0"));
  const overlap = (ranges: { start: number; end: number }[], s: number, e: number) =>
    ranges.reduce((a, x) => a + Math.max(0, Math.min(e, x.end) - Math.max(s, x.start)), 0);
  let hotIn1 = 0;
  let hotIn0 = 0;
  for (const snap of r.snapshots.slice(10)) {
    for (const reg of snap.targets[0].regions) {
      if (reg.nrAccesses === 0) continue;
      hotIn1 += overlap(cpu1, reg.start, reg.end);
      hotIn0 += overlap(cpu0, reg.start, reg.end);
    }
  }
  assert.ok(hotIn1 > 0, "CPU 1's regions show up");
  assert.ok(hotIn0 < 0.05 * hotIn1, `CPU 0's regions leak in: ${hotIn0} vs ${hotIn1}`);
  assert.ok(r.ctx.reports.stats.filtered > 0);
});

test("fault sampling: withdrawing last sample's pages keeps one armed page per region (vs the RFC's pile-up)", () => {
  const w = builtinWorkload("zipf-kv", { timeScale: 0.05 });
  const run = (keepArmed: boolean) =>
    runExperiment({
      workload: w,
      ops: "vaddr-fault",
      faultKeepArmed: keepArmed,
      baseline: false,
      machine: { costs: { localAccessNs: 50 }, nodes: [{ sizeBytes: 2 ** 31 }] },
    });
  const one = run(false);
  const pile = run(true);
  assert.equal(one.ctx.reports.stats.overflowed, 0, "no burst of stale faults overflows the rings");
  assert.ok(pile.summary.faultsPerSec > 3 * one.summary.faultsPerSec, "armed pages pile up in the RFC's way");
  assert.ok(
    one.summary.precision > pile.summary.precision + 0.3,
    `${one.summary.precision} vs ${pile.summary.precision}`,
  );
});
