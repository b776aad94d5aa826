import { test } from "node:test";
import assert from "node:assert/strict";
import { hotScoreOf, minScoreOf } from "../../src/schemes/score.js";
import { wmarkWaitUs } from "../../src/schemes/watermarks.js";
import {
  addFilter,
  newQuota,
  newScheme,
  newWatermarks,
  setFiltersDefaultReject,
} from "../../src/schemes/scheme.js";
import { chargeQuota, quotaIsFull, setEffectiveQuota, skipChargedRegion } from "../../src/schemes/quota.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

const ATTRS = { sampleUs: 5000, aggrUs: 100000 };

test("D9 hot and cold scores", () => {
  const w = { nr: 1, age: 1 };
  assert.equal(hotScoreOf(10, 50, ATTRS, w), 51);
  assert.equal(99 - hotScoreOf(10, 50, ATTRS, w), 48);
  assert.equal(hotScoreOf(0, 50, ATTRS, w), 21);
  assert.equal(99 - hotScoreOf(0, 50, ATTRS, w), 78);
  assert.equal(hotScoreOf(0, 0, ATTRS, w), 24);
  assert.equal(99 - hotScoreOf(0, 0, ATTRS, w), 75);
  assert.equal(hotScoreOf(20, 1000, ATTRS, { nr: 0, age: 0 }), 0);
});

test("D10 min_score from the histogram", () => {
  const h = new Float64Array(100);
  h[99] = 100;
  h[80] = 150;
  h[50] = 200;
  assert.equal(minScoreOf(h, 99, 300), 50);
  assert.equal(minScoreOf(h, 99, 100), 99);
  assert.equal(minScoreOf(h, 99, 1e9), 0);
});

test("D11 watermarks with hysteresis", () => {
  const w = newWatermarks({ metric: "free_mem_rate", intervalUs: 1000, high: 500, mid: 400, low: 200 });
  const got = [600, 450, 350, 450, 150].map((m) => (wmarkWaitUs(w, m) === 0 ? "active" : "inactive"));
  assert.deepEqual(got, ["inactive", "inactive", "active", "active", "inactive"]);
  const none = newWatermarks();
  assert.equal(wmarkWaitUs(none, 1), 0);
});

test("D14 quota without time or goals: esz is the size quota", () => {
  const q = newQuota({ sz: 4096 });
  setEffectiveQuota(q, 4096);
  assert.equal(q.esz, 4096);
});

test("D15 time quota without history assumes 4 MiB per ms", () => {
  const q = newQuota({ ms: 10 });
  setEffectiveQuota(q, 4096);
  assert.equal(q.esz, 41_943_040);
  // With history the measured throughput rules: 1 MiB in 2 ms → 512 KiB/ms.
  q.totalChargedSz = 1 << 20;
  q.totalChargedNs = 2e6;
  setEffectiveQuota(q, 4096);
  assert.equal(q.esz, 10 * 524288);
});

test("D16 quota remainder below one minimum region makes the quota full", () => {
  const q = newQuota({ sz: 8192 });
  setEffectiveQuota(q, 4096);
  q.chargedSz = 6144;
  assert.ok(quotaIsFull(q, 4096));
  q.chargedSz = 4096;
  assert.ok(!quotaIsFull(q, 4096));
});

test("D17 fail charge discounts un-applied bytes", () => {
  const q = newQuota({ failChargeNum: 1, failChargeDenom: 4 });
  chargeQuota(q, 10000, 2000);
  assert.equal(q.chargedSz, 4000);
  const full = newQuota();
  chargeQuota(full, 10000, 2000);
  assert.equal(full.chargedSz, 10000);
});

test("quota goals: consist tuner doubles below target and falls to the minimum far above", () => {
  const goal = {
    metric: "user_input" as const,
    targetValue: 10000,
    currentValue: 0,
    nid: 0,
    memcgId: 0,
    complement: false,
    lastPsiTotal: null,
  };
  const q = newQuota({ goals: [goal] });
  const seq: number[] = [];
  for (let i = 0; i < 4; i++) {
    setEffectiveQuota(q, 1);
    seq.push(q.esz);
  }
  assert.deepEqual(seq, [2, 4, 8, 16]);
  goal.currentValue = 30000;
  setEffectiveQuota(q, 1);
  assert.equal(q.esz, 1);
});

test("skipping charged regions resumes exactly where the last window stopped", () => {
  const m = 4096;
  const t = targetOf([
    [0, 4 * m],
    [4 * m, 10 * m],
    [10 * m, 12 * m],
  ]);
  const q = newQuota({ sz: m });
  q.chargeTargetFrom = 0;
  q.chargeAddrFrom = 6 * m;
  assert.equal(skipChargedRegion(t, 0, 0, q, m), true); // ends before the stop point
  assert.equal(skipChargedRegion(t, 0, 1, q, m), true); // straddles: split at the stop point
  assert.deepEqual(rangesOf(t), [
    [0, 4 * m],
    [4 * m, 6 * m],
    [6 * m, 10 * m],
    [10 * m, 12 * m],
  ]);
  // Starts at it: processed. The newest damos_skip_charged_region keeps the markers
  // until the target's last region is walked (this asserted null before the fix).
  assert.equal(skipChargedRegion(t, 0, 2, q, m), false);
  assert.equal(q.chargeTargetFrom, 0);
  assert.equal(skipChargedRegion(t, 0, 3, q, m), false); // the last region: processed, markers cleared
  assert.equal(q.chargeTargetFrom, null);
  // Another target's regions are skipped while the markers point elsewhere.
  const q2 = newQuota({ sz: m });
  q2.chargeTargetFrom = 1;
  q2.chargeAddrFrom = 0;
  assert.equal(skipChargedRegion(t, 0, 0, q2, m), true);
});

test("C17 a new filter", () => {
  const s = newScheme({ action: "pageout", filters: [{ type: "anon", matching: true, allow: false }] });
  assert.deepEqual(
    [s.opsFilters[0].type, s.opsFilters[0].matching, s.opsFilters[0].allow],
    ["anon", true, false],
  );
  assert.equal(s.coreFilters.length, 0);
});

test("C35 damon_test_set_filters_default_reject", () => {
  const s = newScheme({ action: "stat" });
  setFiltersDefaultReject(s);
  assert.deepEqual([s.coreFiltersDefaultReject, s.opsFiltersDefaultReject], [false, false]);
  addFilter(s, { type: "target", targetIdx: 0, matching: true, allow: true });
  assert.deepEqual([s.coreFiltersDefaultReject, s.opsFiltersDefaultReject], [true, false]);
  s.coreFilters[0].allow = false;
  setFiltersDefaultReject(s);
  assert.deepEqual([s.coreFiltersDefaultReject, s.opsFiltersDefaultReject], [false, false]);
  addFilter(s, { type: "anon", matching: true, allow: true });
  assert.deepEqual([s.coreFiltersDefaultReject, s.opsFiltersDefaultReject], [false, true]);
  s.coreFilters[0].allow = true;
  setFiltersDefaultReject(s);
  assert.deepEqual([s.coreFiltersDefaultReject, s.opsFiltersDefaultReject], [false, true]);
});
