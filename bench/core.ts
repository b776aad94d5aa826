/**
 * bench/core: the engine's cost per sampling step at 10..10,000 regions, and the
 * report drain's cost per report.
 *
 * Baselines measured in the same run: a bare loop touching every region once per
 * step (the least any O(regions) sampler must do), and the drain at 10 regions
 * (drain cost should grow with log2(regions), not with regions).
 *
 *   npx tsx bench/core.ts
 */
import { VirtualClock } from "../src/core/clock.js";
import { createContext } from "../src/core/context.js";
import type { Context } from "../src/core/context.js";
import { Kdamond } from "../src/core/kdamond.js";
import type { Ops } from "../src/core/ops.js";
import { Target, setRegions } from "../src/core/region.js";

const SAMPLE_US = 5000;
const SPACE = 64 * 2 ** 30;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e3; // µs
}

function makeCtx(nr: number, ops: Ops): Context {
  // max = nr and min = nr/2: with nothing accessed, every aggregation merges down
  // toward min and splits back up toward max, so merge and split both run as in
  // steady state and the count stays between nr/2 and nr.
  const ctx = createContext({
    ops,
    seed: 1,
    attrs: { minNrRegions: Math.max(3, Math.floor(nr / 2)), maxNrRegions: nr },
  });
  const t = new Target(1);
  setRegions(t, [{ start: 0, end: SPACE }], ctx.minRegionSz);
  ctx.targets.push(t);
  return ctx;
}

const noopOps: Ops = { name: "noop" };

/** Picks a random sampling address per region and finds nothing accessed: the core's own share of an ops set. */
const samplingOps: Ops = {
  name: "sampling",
  prepareAccessChecks(ctx) {
    for (const t of ctx.targets)
      for (const r of t.regions) r.samplingAddr = ctx.rng.randRange(r.start, r.end);
  },
  checkAccesses(ctx) {
    let max = 0;
    for (const t of ctx.targets) for (const r of t.regions) if (r.nrAccesses > max) max = r.nrAccesses;
    return max;
  },
};

function stepCost(nr: number, ops: Ops, steps: number): { us: number; regions: number } {
  const ctx = makeCtx(nr, ops);
  const kd = new Kdamond(ctx, new VirtualClock());
  for (let i = 0; i < 200; i++) kd.step(); // warm up and reach steady state
  let regionSum = 0;
  let elapsed = 0;
  for (let i = 0; i < steps; i++) {
    regionSum += ctx.nrRegions;
    const t0 = now();
    kd.step();
    elapsed += now() - t0;
  }
  return { us: elapsed / steps, regions: Math.round(regionSum / steps) };
}

function bareLoopCost(nr: number, steps: number): number {
  const arr = new Float64Array(nr);
  let acc = 0;
  const t0 = now();
  for (let s = 0; s < steps; s++) for (let i = 0; i < nr; i++) acc += arr[i] += 1;
  const us = (now() - t0) / steps;
  if (acc < 0) console.log(acc);
  return us;
}

function drainCostNs(nr: number, nrReports: number): number {
  const ctx = createContext({
    ops: { name: "reports" },
    seed: 1,
    attrs: { minNrRegions: 3, maxNrRegions: nr },
  });
  const t = new Target();
  const sz = 4096 * 16;
  const ranges = [];
  for (let i = 0; i < nr; i++) ranges.push({ start: i * sz, end: (i + 1) * sz });
  setRegions(t, ranges, 4096);
  ctx.targets.push(t);
  const total = nr * sz;
  const rounds = 5;
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    // Ring big enough that nothing overflows: we time the drain, not drops.
    const c2 = createContext({
      ops: ctx.ops,
      seed: round,
      attrs: ctx.attrs,
      reportRingCapacity: nrReports,
      targets: ctx.targets,
    });
    let x = 12345 + round;
    for (let i = 0; i < nrReports; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      c2.reports.push(0, (x / 2 ** 32) * total, 8, 1, 0, false, 1000);
    }
    const t0 = now();
    c2.reports.drain(c2, 1000);
    const ns = ((now() - t0) * 1000) / nrReports;
    best = Math.min(best, ns);
  }
  return best;
}

console.log("# bench/core — engine cost per sampling step (5 ms sampling interval)\n");
console.log(
  "max_nr_regions | mean regions | ops      | µs/step | % of one core @5ms | bare loop µs | ratio to bare loop",
);
for (const nr of [10, 100, 1000, 10000]) {
  const steps = nr >= 10000 ? 2000 : 10000;
  const bare = bareLoopCost(nr, steps);
  for (const [name, ops] of [
    ["no-op", noopOps],
    ["sampling", samplingOps],
  ] as const) {
    const { us, regions } = stepCost(nr, ops, steps);
    console.log(
      `${String(nr).padStart(14)} | ${String(regions).padStart(12)} | ${name.padEnd(8)} | ${us.toFixed(2).padStart(7)} | ${((us / SAMPLE_US) * 100).toFixed(4).padStart(18)} | ${bare.toFixed(3).padStart(12)} | ${(us / bare).toFixed(1)}`,
    );
  }
}

console.log("\n# report drain: cost per report, 100k reports");
console.log("regions | ns/report | log2(regions) | ratio to 10 regions | ratio of log2");
const base = drainCostNs(10, 100_000);
for (const nr of [10, 100, 1000, 10000]) {
  const ns = drainCostNs(nr, 100_000);
  console.log(
    `${String(nr).padStart(7)} | ${ns.toFixed(1).padStart(9)} | ${Math.log2(nr).toFixed(2).padStart(13)} | ${(ns / base).toFixed(2).padStart(19)} | ${(Math.log2(nr) / Math.log2(10)).toFixed(2)}`,
  );
}
