import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext } from "../../src/core/context.js";
import type { ContextOptions } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import { reportAccess } from "../../src/core/report.js";
import { Target, setRegions } from "../../src/core/region.js";

const SAMPLE_NS = 5_000_000;

/** A report-mode context (the Ops has no checkAccesses) with one physical target of 4 regions. */
function reportCtx(opts: Partial<ContextOptions> = {}) {
  const ctx = createContext({ ops: { name: "reports" }, minRegionSz: 1, nrCpus: 2, ...opts });
  const t = new Target();
  setRegions(
    t,
    [
      { start: 0, end: 100 },
      { start: 100, end: 200 },
      { start: 300, end: 400 },
      { start: 400, end: 500 },
    ],
    1,
  );
  ctx.targets.push(t);
  return ctx;
}

const rep = (addr: number, extra: Partial<Parameters<typeof reportAccess>[1]> = {}) => ({
  addr,
  size: 1,
  cpu: 0,
  tid: 10,
  isWrite: false,
  time: SAMPLE_NS,
  ...extra,
});

test("a region counts at most one access per sampling interval", () => {
  const ctx = reportCtx();
  for (let i = 0; i < 5; i++) reportAccess(ctx, rep(10 + i));
  reportAccess(ctx, rep(150));
  const max = ctx.reports.drain(ctx, SAMPLE_NS);
  assert.deepEqual(
    ctx.targets[0].regions.map((r) => r.nrAccesses),
    [1, 1, 0, 0],
  );
  assert.equal(max, 1);
  assert.equal(ctx.reports.stats.counted, 2);
  assert.equal(ctx.reports.stats.duplicate, 4);
  // The next interval counts again.
  reportAccess(ctx, rep(20, { time: 2 * SAMPLE_NS }));
  ctx.reports.drain(ctx, 2 * SAMPLE_NS);
  assert.equal(ctx.targets[0].regions[0].nrAccesses, 2);
});

test("out-of-range, straddling and stale reports are ignored and counted", () => {
  const ctx = reportCtx();
  reportAccess(ctx, rep(250)); // in the gap
  reportAccess(ctx, rep(99_999)); // beyond everything
  reportAccess(ctx, rep(195, { size: 10 })); // straddles [100,200)'s end
  reportAccess(ctx, rep(310, { time: 0 })); // 2 intervals old at drain time
  reportAccess(ctx, rep(410, { time: SAMPLE_NS })); // exactly one interval old: still counts
  ctx.reports.drain(ctx, 2 * SAMPLE_NS);
  const s = ctx.reports.stats;
  assert.equal(s.outOfRange, 3);
  assert.equal(s.stale, 1);
  assert.equal(s.counted, 1);
  assert.deepEqual(
    ctx.targets[0].regions.map((r) => r.nrAccesses),
    [0, 0, 0, 1],
  );
});

test("per-CPU rings are FIFO, drained in CPU order; overflow drops the newest and is counted", () => {
  const ctx = reportCtx({ reportRingCapacity: 3 });
  const seen: [number, number][] = [];
  ctx.reports.observer = (cpu, tid) => seen.push([cpu, tid]);
  reportAccess(ctx, rep(410, { cpu: 1, tid: 7 }));
  for (const [addr, tid] of [
    [10, 1],
    [110, 2],
    [310, 3],
    [330, 4],
    [20, 5],
  ]) {
    assert.equal(reportAccess(ctx, rep(addr, { tid })), tid <= 3);
  }
  assert.equal(ctx.reports.stats.overflowed, 2);
  assert.equal(ctx.reports.overflowOf(0), 2);
  assert.equal(ctx.reports.overflowOf(1), 0);
  assert.equal(ctx.reports.pending, 4);
  ctx.reports.drain(ctx, SAMPLE_NS);
  assert.deepEqual(seen, [
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 7],
  ]);
  assert.equal(ctx.reports.pending, 0);
  assert.equal(ctx.reports.stats.received, 6);
});

test("sample filters: CPU 1's writes only", () => {
  const ctx = reportCtx({
    sampleFilters: [
      { type: "cpumask", cpus: [1], matching: false, allow: false }, // reject CPUs other than 1
      { type: "write", matching: true, allow: true }, // then allow writes; default rejects the rest
    ],
  });
  reportAccess(ctx, rep(10, { cpu: 0, isWrite: true }));
  reportAccess(ctx, rep(110, { cpu: 1, isWrite: false }));
  reportAccess(ctx, rep(310, { cpu: 1, isWrite: true }));
  ctx.reports.drain(ctx, SAMPLE_NS);
  assert.deepEqual(
    ctx.targets[0].regions.map((r) => r.nrAccesses),
    [0, 0, 1, 0],
  );
  assert.equal(ctx.reports.stats.filtered, 2);
});

test("sample filters: a thread filter and the default of the last filter", () => {
  const only7 = reportCtx({ sampleFilters: [{ type: "threads", tids: [7], matching: true, allow: true }] });
  reportAccess(only7, rep(10, { tid: 7 }));
  reportAccess(only7, rep(110, { tid: 8 }));
  only7.reports.drain(only7, SAMPLE_NS);
  assert.deepEqual(
    only7.targets[0].regions.map((r) => r.nrAccesses),
    [1, 0, 0, 0],
  );
  const not7 = reportCtx({ sampleFilters: [{ type: "threads", tids: [7], matching: true, allow: false }] });
  reportAccess(not7, rep(10, { tid: 7 }));
  reportAccess(not7, rep(110, { tid: 8 }));
  not7.reports.drain(not7, SAMPLE_NS);
  assert.deepEqual(
    not7.targets[0].regions.map((r) => r.nrAccesses),
    [0, 1, 0, 0],
  );
});

test("virtual reports go to the target of their process only", () => {
  const ctx = createContext({ ops: { name: "reports" }, minRegionSz: 1 });
  for (const pid of [100, 200]) {
    const t = new Target(pid);
    setRegions(t, [{ start: 0, end: 1000 }], 1);
    ctx.targets.push(t);
  }
  reportAccess(ctx, rep(10, { pid: 200 }));
  reportAccess(ctx, rep(10)); // physical report: no virtual target takes it
  ctx.reports.drain(ctx, SAMPLE_NS);
  assert.deepEqual(
    ctx.targets.map((t) => t.regions[0].nrAccesses),
    [0, 1],
  );
  assert.equal(ctx.reports.stats.outOfRange, 1);
});

test("the kdamond drains reports once per sample in report mode", () => {
  const ctx = reportCtx();
  const clock = new VirtualClock();
  const kd = new Kdamond(ctx, clock);
  const counts: number[][] = [];
  kd.onAggregated((ev) => counts.push(ev.targets[0].regions.map((r) => r.nrAccesses)));
  for (let s = 0; s < 20; s++) {
    const plan = kd.beginIteration();
    clock.advance(plan.durationNs / 2);
    // The region [0,100) is reported every sample; [300,400) every other sample.
    reportAccess(ctx, rep(5, { time: clock.nowNs() }));
    if (s % 2 === 0) reportAccess(ctx, rep(305, { time: clock.nowNs() }));
    clock.advance(plan.durationNs / 2);
    kd.endIteration();
  }
  assert.equal(counts.length, 1);
  assert.equal(ctx.targets[0].regions[0].lastNrAccesses, 20);
  assert.ok(counts[0].includes(20));
  assert.ok(counts[0].includes(10));
});
