/**
 * The kernel's DAMOS selftests (damon-spec.md §8.4), re-expressed on the
 * synthetic operations set: the same workloads and pass criteria, virtual time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import { Target, setRegions } from "../../src/core/region.js";
import { SyntheticOps } from "../../src/ops/synthetic.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import type { ActionExecutor } from "../../src/schemes/runner.js";
import { newScheme } from "../../src/schemes/scheme.js";
import type { Scheme } from "../../src/schemes/types.js";

const MiB = 2 ** 20;
const statExecutor: ActionExecutor = { applyScheme: () => ({ applied: 0, filterPassed: 0, costNs: 0 }) };

function setup(ranges: { start: number; end: number }[], schemes: Scheme[], seed = 1) {
  const ops = new SyntheticOps([]);
  const ctx = createContext({ ops, seed });
  const t = new Target(1);
  setRegions(t, ranges, ctx.minRegionSz);
  ctx.targets.push(t);
  const clock = new VirtualClock();
  const kd = new Kdamond(ctx, clock);
  const runner = new SchemesRunner(schemes, { executor: statExecutor });
  kd.schemes = runner;
  return { ops, ctx, clock, kd, runner };
}

test("damos_quota.py: a 1 MiB / 100 ms size quota is never exceeded and qt_exceeds counts up", () => {
  const s = newScheme({
    action: "stat",
    pattern: { minNrAccesses: 5, maxNrAccesses: 20, minAge: 2 },
    quota: { sz: MiB, resetIntervalMs: 100 },
  });
  const { ops, kd, clock } = setup([{ start: 0, end: 20 * MiB }], [s]);
  let lastTried = 0;
  let windows = 0;
  let maxPerWindow = 0;
  kd.onAggregated(() => {
    const tried = s.stat.szTried - lastTried;
    lastTried = s.stat.szTried;
    maxPerWindow = Math.max(maxPerWindow, tried);
    windows++;
  });
  for (let sec = 0; sec < 8; sec++) {
    const hot = (Math.floor(sec / 2) % 2) * 10 * MiB; // 2 s on each 10 MiB region
    ops.hot = [{ start: hot, end: hot + 10 * MiB }];
    kd.runUntil(clock.nowNs() + 1e9);
  }
  assert.ok(windows >= 70);
  assert.ok(s.stat.szTried > 0, "the scheme found the accessed region");
  assert.ok(maxPerWindow <= MiB, `tried ${maxPerWindow} bytes in one window`);
  assert.ok(s.stat.qtExceeds >= 10, `qt_exceeds ${s.stat.qtExceeds}`);
});

test("damos_quota_goal.py: a user_input goal's effective quota rises below target and falls above", () => {
  const s = newScheme({
    action: "stat",
    quota: {
      resetIntervalMs: 100,
      goals: [
        {
          metric: "user_input",
          targetValue: 10000,
          currentValue: 0,
          nid: 0,
          memcgId: 0,
          complement: false,
          lastPsiTotal: null,
        },
      ],
    },
  });
  const { kd, clock } = setup([{ start: 0, end: 64 * MiB }], [s]);
  const goal = s.quota.goals[0];
  let prev = 0;
  for (const current of [0, 15000, 5000, 18000]) {
    kd.call(() => (goal.currentValue = current));
    kd.runUntil(clock.nowNs() + 500e6);
    const esz = s.quota.esz;
    if (current < 10000) assert.ok(esz > prev, `current ${current}: ${esz} should exceed ${prev}`);
    else assert.ok(esz < prev || esz === 1, `current ${current}: ${esz} should be below ${prev}`);
    prev = esz;
  }
});

test("damos_apply_interval.py: a 10 ms apply interval tries about 10x more often than the 100 ms default", () => {
  const slow = newScheme({ action: "stat" });
  const fast = newScheme({ action: "stat", applyIntervalUs: 10_000 });
  const { ops, kd, clock } = setup([{ start: 0, end: 100 * MiB }], [slow, fast]);
  ops.hot = [{ start: 0, end: 10 * MiB }];
  kd.runUntil(clock.nowNs() + 3e9);
  const ratio = fast.stat.nrTried / slow.stat.nrTried;
  // 10 apply rounds per window; slightly more than 10x in tried regions, because
  // mid-window rounds see the regions after the split and the default-interval round
  // sees them right after the merge (§2.2 steps 7, 10, 11).
  assert.ok(ratio >= 9 && ratio <= 15, `ratio ${ratio} (${fast.stat.nrTried} / ${slow.stat.nrTried})`);
});

test("damos_tried_regions.py: a stat scheme's tried regions find 14 even-accessed regions", async () => {
  const all = newScheme({ action: "stat" });
  const accessed = newScheme({ action: "stat", pattern: { minNrAccesses: 1 } });
  const { ops, kd, clock, runner } = setup([{ start: 0, end: 140 * MiB }], [all, accessed]);
  ops.hot = [];
  for (let i = 0; i < 14; i += 2) ops.hot.push({ start: i * 10 * MiB, end: (i + 1) * 10 * MiB });
  kd.runUntil(clock.nowNs() + 5e9);
  const counts: number[] = [];
  let hotFound = 0;
  let coldTried = 0;
  for (let k = 0; k < 11; k++) {
    const req = runner.requestTriedRegions();
    kd.runUntil(clock.nowNs() + 200e6);
    const tried = await req;
    assert.ok(tried, "walk completed");
    counts.push(tried[0].length);
    hotFound = 0;
    coldTried = 0;
    for (const r of tried[1]) {
      for (const h of ops.hot) hotFound += Math.max(0, Math.min(r.end, h.end) - Math.max(r.start, h.start));
      coldTried += r.end - r.start;
    }
    coldTried -= hotFound;
  }
  counts.sort((a, b) => a - b);
  assert.ok(counts[5] >= 14, `median tried regions ${counts[5]}`);
  assert.ok(hotFound >= 0.9 * 70 * MiB, `accessed bytes found ${hotFound / MiB} MiB of 70`);
  assert.ok(coldTried <= 0.1 * 70 * MiB, `idle bytes reported as accessed ${coldTried / MiB} MiB`);
});

test("a walk is cancelled when there is nothing to walk", async () => {
  const runner = new SchemesRunner([]);
  assert.equal(await runner.requestTriedRegions(), null);
});
