/**
 * Quotas (damon-spec.md §6.6): charge windows, the effective size quota with time
 * quotas and goal feedback, charging with fail-charge discounts, and resuming
 * where the last full window stopped.
 */
import { alignDown, multFrac } from "../core/arith.js";
import { splitRegionAtIndex } from "../core/region.js";
import type { Target } from "../core/region.js";
import { feedLoopNextInput } from "../core/feed-loop.js";
import type { Quota } from "./types.js";

const PAGE_SIZE = 4096;

/** Quota "set": some limit or goal exists (§6.6.1). */
export function quotaIsSet(q: Quota): boolean {
  return q.esz !== 0 || q.sz !== 0 || q.ms !== 0 || q.goals.length > 0;
}

/** Quota "full": less than one minimum region left in this window (§6.6.1). */
export function quotaIsFull(q: Quota, minRegionSz: number): boolean {
  return quotaIsSet(q) && (q.chargedSz >= q.esz || q.esz - q.chargedSz < minRegionSz);
}

/** Goal score (§6.8.2): the maximum over goals of current/target in bp. */
export function goalsScoreBp(q: Quota): number {
  let score = 0;
  for (const g of q.goals) score = Math.max(score, multFrac(g.currentValue, 10000, g.targetValue));
  return score;
}

/**
 * `damos_set_effective_quota` (§6.6.3, D14, D15). Goal metrics must have been
 * refreshed into `currentValue` before the call.
 */
export function setEffectiveQuota(q: Quota, minRegionSz: number): void {
  if (!q.ms && q.goals.length === 0) {
    q.esz = q.sz;
    return;
  }
  let esz = Infinity;
  if (q.goals.length > 0) {
    const score = goalsScoreBp(q);
    if (q.goalTuner === "temporal") {
      q.eszBp = score >= 10000 ? 0n : q.sz ? BigInt(q.sz) * 10000n : (1n << 64n) - 1n;
    } else {
      q.eszBp = feedLoopNextInput(q.eszBp > 10000n ? q.eszBp : 10000n, score);
    }
    esz = Number(q.eszBp / 10000n);
  }
  if (q.ms) {
    const throughput = q.totalChargedNs
      ? multFrac(q.totalChargedSz, 1_000_000, q.totalChargedNs)
      : PAGE_SIZE * 1024; // bytes per ms before any history
    // min(max(time quota, min region), goal quota), in this order (newest kernel).
    esz = Math.min(Math.max(throughput * q.ms, minRegionSz), esz);
  }
  if (q.sz && q.sz < esz) esz = q.sz;
  q.esz = esz;
}

/**
 * Starts a new charge window when the current one has passed (§6.6.2). Returns
 * true when the window changed. `refreshGoals` updates the goals' current values.
 */
export function adjustChargeWindow(
  q: Quota,
  nowNs: number,
  minRegionSz: number,
  onQuotaExceeded: () => void,
  refreshGoals: () => void,
): void {
  if (q.chargedFromNs === null) {
    q.chargedFromNs = nowNs;
    refreshGoals();
    setEffectiveQuota(q, minRegionSz);
  }
  if (nowNs >= q.chargedFromNs + q.resetIntervalMs * 1e6 || nowNs < q.chargedFromNs) {
    // as the kernel: only a nonzero quota used up counts (not an esz of 0 from a met
    // temporal goal, nor a window less than one minimum region short of it)
    if (q.esz && q.chargedSz >= q.esz) onQuotaExceeded();
    q.totalChargedSz += q.chargedSz;
    q.chargedFromNs = nowNs;
    q.chargedSz = 0;
    refreshGoals();
    setEffectiveQuota(q, minRegionSz);
  }
}

/** Charges one application: fully, or `applied` plus a fraction of the rest (§6.6.3, D17). */
export function chargeQuota(q: Quota, sz: number, applied: number): void {
  q.chargedSz +=
    q.failChargeDenom === 0 || applied > sz
      ? sz
      : applied + multFrac(sz - applied, q.failChargeNum, q.failChargeDenom);
}

/**
 * `damos_skip_charged_region` (§6.6.4): while a previous window's stop point is
 * set, skip regions of other targets and regions before it, splitting a
 * straddling region so the walk resumes exactly there (the caller then visits the
 * right piece). As in the newest kernel, the markers are cleared only when the
 * target's last region is reached — whether or not that region is skipped — so a
 * last region at or after the stop point is processed, and a straddling last
 * region is split first (its right piece, now last, clears them). Returns true to
 * skip the region at `idx`.
 */
export function skipChargedRegion(
  t: Target,
  targetIdx: number,
  idx: number,
  q: Quota,
  minRegionSz: number,
): boolean {
  let skip = false;
  if (q.chargeTargetFrom !== null) {
    if (targetIdx !== q.chargeTargetFrom) return true;
    const r = t.regions[idx];
    const from = q.chargeAddrFrom;
    if (from && r.end <= from) skip = true;
    else if (from && r.start < from) {
      let sz = alignDown(from - r.start, minRegionSz);
      if (sz === 0 && r.end - r.start > minRegionSz) sz = minRegionSz;
      if (sz !== 0) splitRegionAtIndex(t, idx, sz);
      skip = true;
    }
  }
  if (idx === t.regions.length - 1) clearChargeMarkers(q);
  return skip;
}

/** Forgets where the last full window stopped. */
export function clearChargeMarkers(q: Quota): void {
  q.chargeTargetFrom = null;
  q.chargeAddrFrom = 0;
}
