/**
 * Conformance of DAMOS quotas with the newest mm tree (mm/damon/core.c:
 * `kdamond_apply_schemes`, `damos_skip_charged_region`, `damos_adjust_quota`,
 * `damos_set_effective_quota`). Each test names the kernel function and the
 * damon-spec.md section; "fails before" marks a deviation of the code before
 * issue 18's fixes, reproduced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import type { Context } from "../../src/core/context.js";
import type { Ops } from "../../src/core/ops.js";
import type { Region, Target } from "../../src/core/region.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import type { ActionExecutor } from "../../src/schemes/runner.js";
import { newQuota, newScheme } from "../../src/schemes/scheme.js";
import { adjustChargeWindow, setEffectiveQuota, skipChargedRegion } from "../../src/schemes/quota.js";
import type { QuotaGoal, Scheme } from "../../src/schemes/types.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

const m = 4096;

/** An executor that applies the action to the whole region and records where. */
function recorder(): ActionExecutor & { tried: { pid: number | undefined; start: number; end: number }[] } {
  const tried: { pid: number | undefined; start: number; end: number }[] = [];
  return {
    tried,
    applyScheme(_ctx: Context, t: Target, r: Region) {
      tried.push({ pid: t.pid, start: r.start, end: r.end });
      return { applied: r.end - r.start, filterPassed: r.end - r.start, costNs: 0 };
    },
  };
}

/** Runs `rounds` apply rounds, each one aggregation interval after the last. */
function applyRounds(ctx: Context, runner: SchemesRunner, rounds: number): void {
  runner.start(ctx);
  for (let i = 0; i < rounds; i++) {
    ctx.passedSampleIntervals = runner.schemes[0].nextApplySis;
    runner.apply(ctx, ctx.passedSampleIntervals * 1_000_000);
  }
}

/** Target 0 with regions [0, 4m) and `second`, and a quota whose last window stopped at `at`. */
function resumeAt(second: [number, number], at: number) {
  const t = targetOf([[0, 4 * m], second]);
  const q = newQuota({ sz: m });
  q.chargeTargetFrom = 0;
  q.chargeAddrFrom = at;
  return { t, q };
}

test("kdamond_apply_schemes: a dead target holding the resume markers does not starve the others (§6.6.4; fails before)", () => {
  const dead: Ops = { name: "test", targetValid: (t) => t.pid !== 1 };
  const ctx = createContext({ ops: dead, minRegionSz: m, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  const t0 = targetOf([[0, 16 * m]]);
  t0.pid = 1;
  const t1 = targetOf([[0, 16 * m]]);
  t1.pid = 2;
  ctx.targets.push(t0, t1);
  const s = newScheme({ action: "pageout", quota: { sz: 4 * m, resetIntervalMs: 0 } });
  // The last full window stopped inside target 0, which has since died.
  s.quota.chargeTargetFrom = 0;
  s.quota.chargeAddrFrom = 8 * m;
  const ex = recorder();
  applyRounds(ctx, new SchemesRunner([s], { executor: ex }), 5);
  const live = ex.tried.filter((x) => x.pid === 2).reduce((a, x) => a + x.end - x.start, 0);
  assert.ok(live > 0, "the live target gets tried");
  assert.equal(ex.tried.filter((x) => x.pid === 1).length, 0, "the dead one never");
});

test("damos_skip_charged_region: a last region straddling the resume point is split and its right part applied (§6.6.4; fails before)", () => {
  const { t, q } = resumeAt([4 * m, 10 * m], 6 * m);
  assert.equal(skipChargedRegion(t, 0, 0, q, m), true);
  assert.equal(skipChargedRegion(t, 0, 1, q, m), true, "the left part, before the resume point");
  assert.deepEqual(rangesOf(t), [
    [0, 4 * m],
    [4 * m, 6 * m],
    [6 * m, 10 * m],
  ]);
  assert.equal(q.chargeTargetFrom, 0, "not the last region any more: markers kept");
  assert.equal(skipChargedRegion(t, 0, 2, q, m), false, "the right part, now last, is applied");
  assert.equal(q.chargeTargetFrom, null);
});

test("damos_skip_charged_region: a last region at the resume point is applied, not skipped (§6.6.4; fails before)", () => {
  const { t, q } = resumeAt([4 * m, 8 * m], 4 * m);
  assert.equal(skipChargedRegion(t, 0, 0, q, m), true);
  assert.equal(skipChargedRegion(t, 0, 1, q, m), false);
  assert.equal(q.chargeTargetFrom, null);
});

test("damos_skip_charged_region: a last region before the resume point is skipped and clears the markers", () => {
  const { t, q } = resumeAt([4 * m, 8 * m], 8 * m);
  assert.equal(skipChargedRegion(t, 0, 1, q, m), true);
  assert.equal(q.chargeTargetFrom, null);
});

test("kdamond_apply_schemes with a size quota walks the whole target across windows, resuming where it stopped (fails before)", () => {
  const ctx = createContext({ minRegionSz: m, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  ctx.targets.push(targetOf([[0, 10 * m]]));
  const s = newScheme({ action: "pageout", quota: { sz: 3 * m, resetIntervalMs: 0 } });
  const ex = recorder();
  applyRounds(ctx, new SchemesRunner([s], { executor: ex }), 4);
  // 3 pages a window: [0,3) [3,6) [6,9) then [9,10) — the last one no longer skipped.
  assert.deepEqual(
    ex.tried.map((x) => [x.start / m, x.end / m]),
    [
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 10],
    ],
  );
});

test("damos_adjust_quota: the min_score histogram skips regions the core filters reject (§6.7 [newest]; fails before)", () => {
  const ctx = createContext({ minRegionSz: m, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  ctx.targets.push(
    targetOf([
      [0, 4 * m],
      [4 * m, 8 * m],
    ]),
  );
  // The first region scores 99 but an addr filter rejects it; the second scores 10.
  const s: Scheme = newScheme({
    action: "pageout",
    quota: { sz: 4 * m, resetIntervalMs: 0 },
    filters: [{ type: "addr", addrStart: 0, addrEnd: 4 * m, matching: true, allow: false }],
  });
  const ex = recorder();
  const runner = new SchemesRunner([s], { executor: ex, score: (_c, _t, r) => (r.start < 4 * m ? 99 : 10) });
  applyRounds(ctx, runner, 1);
  assert.equal(s.quota.minScore, 10);
  assert.deepEqual(ex.tried, [{ pid: undefined, start: 4 * m, end: 8 * m }]);
});

test("damos_set_effective_quota: min(max(time quota, min region), goal quota), in that order (§6.6.3; fails before)", () => {
  const goal: QuotaGoal = {
    metric: "user_input",
    targetValue: 100,
    currentValue: 1000, // score 100,000 ≥ 2×goal → esz_bp back to 10,000: 1 byte
    nid: 0,
    memcgId: 0,
    complement: false,
    lastPsiTotal: null,
  };
  const q = newQuota({ ms: 10, goals: [goal] });
  setEffectiveQuota(q, m);
  assert.equal(q.esz, 1, "the goal's 1 byte wins over the time quota's floor of one region");
});

test("damos_set_effective_quota: a time quota alone is floored at the minimum region size", () => {
  const q = newQuota({ ms: 1 });
  q.totalChargedSz = 1;
  q.totalChargedNs = 1_000_000_000; // 1 byte per second
  setEffectiveQuota(q, m);
  assert.equal(q.esz, m);
});

test("damos_adjust_quota: qt_exceeds counts a window only when a nonzero effective quota was used up (§6.6.2; fails before)", () => {
  // The kernel: `if (quota->esz && quota->charged_sz >= quota->esz) qt_exceeds++`. A goal
  // met under the temporal tuner sets esz to 0 — nothing may be applied, but no quota
  // was exceeded either; nor is a window with less than one minimum region left.
  const windows = (q: ReturnType<typeof newQuota>, chargedSz: number): number => {
    let exceeds = 0;
    q.chargedFromNs = 0;
    q.resetIntervalMs = 100;
    setEffectiveQuota(q, m);
    for (let w = 1; w <= 5; w++) {
      q.chargedSz = chargedSz;
      adjustChargeWindow(
        q,
        w * 100e6,
        m,
        () => exceeds++,
        () => undefined,
      );
    }
    return exceeds;
  };
  // a met goal under the temporal tuner: esz 0 every window
  const met = newQuota({ sz: 64 * m, goalTuner: "temporal" });
  const goal: QuotaGoal = {
    metric: "user_input",
    targetValue: 100,
    currentValue: 100,
    nid: 0,
    memcgId: 0,
    complement: false,
    lastPsiTotal: null,
  };
  met.goals.push(goal);
  assert.equal(windows(met, 0), 0, "esz 0: nothing exceeded");
  assert.equal(met.esz, 0);
  // a plain size quota: used up -> counted; less than one region short of it -> not counted
  const sz = newQuota({ sz: 8 * m });
  assert.equal(windows(sz, 8 * m), 5);
  const sz2 = newQuota({ sz: 8 * m });
  assert.equal(windows(sz2, 8 * m - 100), 0);
});
