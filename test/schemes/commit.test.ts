import { test } from "node:test";
import assert from "node:assert/strict";
import {
  commitDests,
  commitFilter,
  commitQuota,
  commitQuotaGoal,
  commitQuotaGoals,
  commitScheme,
} from "../../src/schemes/commit.js";
import { newQuota, newScheme } from "../../src/schemes/scheme.js";
import type { DamosFilter, QuotaGoal, QuotaGoalMetric } from "../../src/schemes/types.js";
import { DamonInvalidError } from "../../src/util/errors.js";

function goal(metric: QuotaGoalMetric, extra: Partial<QuotaGoal> = {}): QuotaGoal {
  return {
    metric,
    targetValue: 1,
    currentValue: 0,
    nid: 0,
    memcgId: 0,
    complement: false,
    lastPsiTotal: 5,
    ...extra,
  };
}

test("C18 damos_test_commit_quota_goal", () => {
  const dst = goal("some_mem_psi_us", { targetValue: 1000, lastPsiTotal: 42 });
  const srcs = [
    goal("some_mem_psi_us", { targetValue: 234 }),
    goal("user_input", { complement: true, targetValue: 789, currentValue: 12 }),
    goal("node_mem_free_bp", { targetValue: 10, nid: 9 }),
    goal("node_mem_used_bp", { targetValue: 11, nid: 6 }),
    goal("node_memcg_used_bp", { targetValue: 12, nid: 6, memcgId: 7 }),
    goal("node_memcg_free_bp", { targetValue: 13, nid: 10, memcgId: 1 }),
    goal("some_mem_psi_us", { targetValue: 14 }),
    goal("node_eligible_mem_bp", { targetValue: 15, nid: 6 }),
  ];
  for (const src of srcs) {
    commitQuotaGoal(dst, src);
    assert.deepEqual(
      [dst.metric, dst.complement, dst.targetValue],
      [src.metric, src.complement, src.targetValue],
    );
    if (src.metric === "user_input") assert.equal(dst.currentValue, src.currentValue);
    if (src.metric === "some_mem_psi_us") assert.equal(dst.lastPsiTotal, null);
    if (src.metric.startsWith("node_")) assert.equal(dst.nid, src.nid);
    if (src.metric.includes("memcg")) assert.equal(dst.memcgId, src.memcgId);
  }
});

test("C19 damos_test_commit_quota_goals", () => {
  const dst = newQuota();
  commitQuotaGoals(dst, newQuota({ goals: [goal("user_input", { targetValue: 123 })] }));
  assert.deepEqual(
    dst.goals.map((g) => g.targetValue),
    [123],
  );
  const d2 = newQuota({ goals: [goal("user_input", { targetValue: 234 })] });
  commitQuotaGoals(d2, newQuota({ goals: [goal("user_input", { targetValue: 345 })] }));
  assert.deepEqual(
    d2.goals.map((g) => g.targetValue),
    [345],
  );
  const d3 = newQuota({ goals: [goal("user_input", { targetValue: 456 })] });
  commitQuotaGoals(d3, newQuota());
  assert.equal(d3.goals.length, 0);
  assert.throws(
    () => commitQuotaGoals(d3, newQuota({ goals: [goal("user_input", { targetValue: 0 })] })),
    DamonInvalidError,
  );
});

test("C20 damos_test_commit_quota", () => {
  const dst = newQuota({
    resetIntervalMs: 1,
    ms: 2,
    sz: 3,
    goalTuner: "consist",
    failChargeNum: 2,
    failChargeDenom: 3,
    weightSz: 4,
    weightNrAccesses: 5,
    weightAge: 6,
  });
  dst.chargedSz = 77;
  const src = newQuota({
    resetIntervalMs: 7,
    ms: 8,
    sz: 9,
    goalTuner: "temporal",
    failChargeNum: 1,
    failChargeDenom: 1024,
    weightSz: 10,
    weightNrAccesses: 11,
    weightAge: 12,
  });
  commitQuota(dst, src);
  for (const k of [
    "resetIntervalMs",
    "ms",
    "sz",
    "goalTuner",
    "failChargeNum",
    "failChargeDenom",
    "weightSz",
    "weightNrAccesses",
    "weightAge",
  ] as const)
    assert.equal(dst[k], src[k], k);
  assert.equal(dst.chargedSz, 77, "private state kept");
});

test("C21 damos_test_commit_dests", () => {
  const mk = (ids: number[], ws: number[]) => ids.map((nid, i) => ({ nid, weight: ws[i] }));
  const cases: [number[], number[], number[], number[]][] = [
    [
      [1, 2, 3],
      [2, 3, 4],
      [4, 5, 6],
      [5, 6, 7],
    ],
    [
      [1, 2],
      [1, 2],
      [4, 5, 6],
      [5, 6, 7],
    ],
    [[], [], [4, 5, 6], [5, 6, 7]],
    [
      [1, 2, 3],
      [1, 2, 3],
      [4, 5],
      [5, 6],
    ],
    [[1, 2, 3], [1, 2, 3], [], []],
  ];
  for (const [di, dw, si, sw] of cases) {
    const dst = mk(di, dw);
    const src = mk(si, sw);
    commitDests(dst, src);
    assert.deepEqual(dst, src);
  }
});

test("C22 damos_test_commit_filter", () => {
  const dst: DamosFilter = { type: "active", matching: false, allow: false };
  const ok: DamosFilter[] = [
    { type: "anon", matching: true, allow: true },
    { type: "memcg", matching: false, allow: false, memcgId: 123 },
    { type: "young", matching: true, allow: false },
    { type: "hugepage_size", matching: true, allow: true, minSz: 234, maxSz: 345 },
    { type: "unmapped", matching: true, allow: false },
    { type: "addr", matching: true, allow: true, addrStart: 456, addrEnd: 567 },
    { type: "target", matching: false, allow: true, targetIdx: 6 },
  ];
  for (const src of ok) {
    commitFilter(dst, src);
    assert.deepEqual(dst, src);
  }
  assert.throws(
    () => commitFilter(dst, { type: "hugepage_size", matching: true, allow: true, minSz: 456, maxSz: 123 }),
    DamonInvalidError,
  );
  assert.throws(
    () => commitFilter(dst, { type: "addr", matching: true, allow: true, addrStart: 567, addrEnd: 456 }),
    DamonInvalidError,
  );
});

test("C23/C24 damos_test_commit_pageout and commit_migrate_hot", () => {
  for (const action of ["pageout", "migrate_hot"] as const) {
    const dst = newScheme({
      action: "stat",
      pattern: { minSzRegion: 1, maxSzRegion: 2, minNrAccesses: 3, maxNrAccesses: 4, minAge: 5, maxAge: 6 },
      applyIntervalUs: 1_000_000,
      wmarks: { metric: "free_mem_rate", intervalUs: 900, high: 100, mid: 50, low: 0 },
    });
    dst.stat.nrTried = 9;
    const src = newScheme({
      action,
      pattern: { minSzRegion: 2, maxSzRegion: 3, minNrAccesses: 4, maxNrAccesses: 5, minAge: 6, maxAge: 7 },
      applyIntervalUs: 2_000_000,
      wmarks: { metric: "free_mem_rate", intervalUs: 800, high: 50, mid: 30, low: 0 },
      targetNid: 5,
    });
    commitScheme(dst, src);
    assert.deepEqual(dst.pattern, src.pattern);
    assert.equal(dst.action, action);
    assert.equal(dst.applyIntervalUs, 2_000_000);
    assert.deepEqual(
      [dst.wmarks.metric, dst.wmarks.intervalUs, dst.wmarks.high, dst.wmarks.mid],
      ["free_mem_rate", 800, 50, 30],
    );
    assert.equal(dst.targetNid, action === "migrate_hot" ? 5 : -1);
    assert.equal(dst.stat.nrTried, 9, "stats kept");
  }
});
