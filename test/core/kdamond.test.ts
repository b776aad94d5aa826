import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import { nrSamplesPerAggr } from "../../src/core/attrs.js";
import { Target, setRegions } from "../../src/core/region.js";
import type { Context } from "../../src/core/context.js";
import { SyntheticOps } from "../../src/ops/synthetic.js";

const MiB = 1 << 20;

function monitored(
  ops: SyntheticOps,
  opts: { seed?: number; min?: number; max?: number; size?: number } = {},
) {
  const ctx = createContext({
    ops,
    seed: opts.seed ?? 1,
    attrs: { minNrRegions: opts.min ?? 10, maxNrRegions: opts.max ?? 1000 },
  });
  const t = new Target(1);
  setRegions(t, [{ start: 0, end: opts.size ?? 64 * MiB }], ctx.minRegionSz);
  ctx.targets.push(t);
  const clock = new VirtualClock();
  return { ctx, kd: new Kdamond(ctx, clock), clock };
}

function assertWellFormed(ctx: Context, total: number): void {
  for (const t of ctx.targets) {
    let prevEnd = -1;
    let covered = 0;
    for (const r of t.regions) {
      assert.ok(r.start >= prevEnd, "sorted, non-overlapping");
      assert.ok(r.end > r.start);
      assert.equal(r.start % ctx.minRegionSz, 0);
      assert.equal(r.end % ctx.minRegionSz, 0);
      covered += r.end - r.start;
      prevEnd = r.end;
    }
    assert.equal(covered, total);
  }
}

test("regions inside the accessed range reach samples-per-aggregation, outside stay 0", () => {
  const hot = { start: 16 * MiB, end: 24 * MiB };
  const ops = new SyntheticOps([hot]);
  const { ctx, kd } = monitored(ops);
  const spa = nrSamplesPerAggr(ctx.attrs);
  let last = null;
  for (const ev of kd.aggregations(30)) {
    const n = ev.targets[0].regions.length;
    assert.ok(n >= ctx.attrs.minNrRegions && n <= ctx.attrs.maxNrRegions, `nr_regions ${n}`);
    last = ev;
  }
  assert.ok(last);
  let insideBytes = 0;
  for (const r of last.targets[0].regions) {
    if (r.start >= hot.start && r.end <= hot.end) {
      assert.equal(r.nrAccesses, spa, `inside [${r.start},${r.end})`);
      insideBytes += r.end - r.start;
    } else if (r.end <= hot.start || r.start >= hot.end) {
      assert.equal(r.nrAccesses, 0, `outside [${r.start},${r.end})`);
    }
  }
  // The adaptive regions have found (almost all of) the range.
  assert.ok(insideBytes >= 0.9 * (hot.end - hot.start), `found ${insideBytes / MiB} MiB of 8`);
});

test("access checks per sample never exceed the region count (O(regions), not O(memory))", () => {
  for (const size of [64 * MiB, 64 * 1024 * MiB]) {
    const ops = new SyntheticOps([{ start: 0, end: 4 * MiB }]);
    const { ctx, kd } = monitored(ops, { size, max: 100 });
    for (let i = 0; i < 200; i++) {
      const before = ops.checks;
      const n = ctx.nrRegions;
      kd.step();
      assert.ok(ops.checks - before <= Math.max(n, 100));
    }
  }
});

test("the kdamond clock: aggregations every aggr/sample samples, time advances by the sample interval", () => {
  const ops = new SyntheticOps([]);
  const { kd, clock } = monitored(ops);
  const evs = [...kd.aggregations(3)];
  assert.deepEqual(
    evs.map((e) => [e.startNs, e.endNs, e.index]),
    [
      [0, 100e6, 0],
      [100e6, 200e6, 1],
      [200e6, 300e6, 2],
    ],
  );
  assert.equal(clock.nowNs(), 300e6);
});

test("pause freezes everything after the merge step until unpaused", () => {
  const ops = new SyntheticOps([{ start: 0, end: MiB }]);
  const { ctx, kd, clock } = monitored(ops);
  let aggrs = 0;
  kd.onAggregated(() => aggrs++);
  kd.runUntil(100e6);
  assert.equal(aggrs, 1);
  ctx.pause = true;
  kd.runUntil(500e6);
  const frozen = aggrs;
  assert.ok(frozen <= 2);
  kd.call((c) => (c.pause = false));
  kd.runUntil(clock.nowNs() + 300e6);
  assert.ok(aggrs >= frozen + 2);
});

test("a target-validity check stops the kdamond when every target is gone", () => {
  const ops = Object.assign(new SyntheticOps([]), { alive: true });
  const withValid = Object.assign(ops, { targetValid: () => ops.alive });
  const { kd } = monitored(withValid);
  assert.ok(kd.step());
  ops.alive = false;
  assert.equal(kd.step(), false);
  assert.ok(kd.isStopped);
});

test("interval auto-tuning moves the sampling interval toward the access goal", () => {
  // Everything accessed: the score is far above a 4% goal, so intervals shrink.
  const ops = new SyntheticOps([{ start: 0, end: 64 * MiB }]);
  const { ctx, kd } = monitored(ops);
  ctx.attrs.intervalsGoal = { accessBp: 400, aggrs: 3, minSampleUs: 1000, maxSampleUs: 10_000_000 };
  for (const _ of kd.aggregations(12));
  assert.ok(ctx.attrs.sampleUs < 5000, `sample ${ctx.attrs.sampleUs}`);
  assert.equal(ctx.attrs.aggrUs / ctx.attrs.sampleUs, 20);
  // Nothing accessed: intervals grow.
  const idle = monitored(new SyntheticOps([]));
  idle.ctx.attrs.intervalsGoal = { accessBp: 400, aggrs: 3, minSampleUs: 1000, maxSampleUs: 10_000_000 };
  for (const _ of idle.kd.aggregations(12));
  assert.ok(idle.ctx.attrs.sampleUs > 5000);
});

test("property: across seeds and moving hot ranges, regions stay well-formed and within [min, max]", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 3, max: 40 }),
      fc.integer({ min: 0, max: 200 }),
      (seed, min, extra) => {
        const max = min + extra;
        const total = 256 * MiB;
        const ops = new SyntheticOps([]);
        const { ctx, kd } = monitored(ops, { seed, min, max, size: total });
        let k = seed;
        for (let a = 0; a < 25; a++) {
          // A new random set of hot ranges every aggregation.
          ops.hot = [];
          for (let i = 0; i < 3; i++) {
            k = (Math.imul(k, 1103515245) + 12345) >>> 0;
            const s = (k % 256) * MiB;
            ops.hot.push({ start: s, end: s + ((k >>> 8) % 32) * MiB });
          }
          const ev = kd.nextAggregation()!;
          const n = ev.targets[0].regions.length;
          assert.ok(n >= min && n <= max, `after merge: ${n} not in [${min}, ${max}]`);
          assertWellFormed(ctx, total);
          assert.ok(ctx.nrRegions <= max, "after split");
        }
      },
    ),
    { numRuns: 60, seed: 77 },
  );
});

test("same seed, same run", () => {
  const run = (seed: number) => {
    const { ctx, kd } = monitored(new SyntheticOps([{ start: 3 * MiB, end: 9 * MiB }]), { seed });
    for (const _ of kd.aggregations(10));
    return ctx.targets[0].regions.map((r) => [r.start, r.end, r.nrAccesses, r.age]);
  };
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
});
