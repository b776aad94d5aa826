/**
 * Online commit of schemes (damon-spec.md §7.4): parameters are copied into the
 * running schemes matched by index, keeping their private quota and stat state.
 */
import { DamonInvalidError } from "../util/errors.js";
import type { Context } from "../core/context.js";
import { newScheme, setFiltersDefaultReject, setNextApplySis } from "./scheme.js";
import {
  isMigrateAction,
  type DamosFilter,
  type MigrateDest,
  type Quota,
  type QuotaGoal,
  type Scheme,
} from "./types.js";

const NODE_METRICS = new Set(["node_mem_used_bp", "node_mem_free_bp", "node_eligible_mem_bp"]);
const MEMCG_METRICS = new Set(["node_memcg_used_bp", "node_memcg_free_bp"]);

/** `damos_commit_quota_goal` (C18). */
export function commitQuotaGoal(dst: QuotaGoal, src: QuotaGoal): void {
  dst.metric = src.metric;
  dst.complement = src.complement;
  dst.targetValue = src.targetValue;
  if (src.metric === "user_input") dst.currentValue = src.currentValue;
  if (src.metric === "some_mem_psi_us") dst.lastPsiTotal = null;
  if (NODE_METRICS.has(src.metric)) dst.nid = src.nid;
  if (MEMCG_METRICS.has(src.metric)) {
    dst.nid = src.nid;
    dst.memcgId = src.memcgId;
  }
}

/** `damos_commit_quota_goals` (C19): by index; extra dst goals dropped, extra src goals added. */
export function commitQuotaGoals(dst: Quota, src: Quota): void {
  for (const g of src.goals) {
    if (!(g.targetValue > 0))
      throw new DamonInvalidError(`quota goal ${g.metric}: target value must be positive`);
  }
  dst.goals.length = Math.min(dst.goals.length, src.goals.length);
  src.goals.forEach((g, i) => {
    if (i < dst.goals.length) commitQuotaGoal(dst.goals[i], g);
    else dst.goals.push({ ...g, lastPsiTotal: null });
  });
}

/** `damos_commit_quota` (C20). */
export function commitQuota(dst: Quota, src: Quota): void {
  dst.resetIntervalMs = src.resetIntervalMs;
  dst.ms = src.ms;
  dst.sz = src.sz;
  dst.goalTuner = src.goalTuner;
  dst.failChargeNum = src.failChargeNum;
  dst.failChargeDenom = src.failChargeDenom;
  dst.weightSz = src.weightSz;
  dst.weightNrAccesses = src.weightNrAccesses;
  dst.weightAge = src.weightAge;
  commitQuotaGoals(dst, src);
}

/** `damos_commit_dests` (C21). */
export function commitDests(dst: MigrateDest[], src: readonly MigrateDest[]): void {
  dst.length = 0;
  for (const d of src) dst.push({ ...d });
}

/** Validates a filter as commit does (C22): inverted ranges are rejected. */
export function validateFilter(f: DamosFilter): void {
  if (f.type === "hugepage_size" && (f.minSz ?? 0) > (f.maxSz ?? 0))
    throw new DamonInvalidError("hugepage_size filter: min exceeds max");
  if (f.type === "addr" && (f.addrStart ?? 0) > (f.addrEnd ?? 0))
    throw new DamonInvalidError("addr filter: start exceeds end");
}

/** `damos_commit_filter` (C22): type, matching, allow and the type's parameters. */
export function commitFilter(dst: DamosFilter, src: DamosFilter): void {
  validateFilter(src);
  for (const k of Object.keys(dst) as (keyof DamosFilter)[]) delete dst[k];
  Object.assign(dst, src);
}

function commitFilterList(dst: DamosFilter[], src: readonly DamosFilter[]): void {
  for (const f of src) validateFilter(f);
  dst.length = Math.min(dst.length, src.length);
  src.forEach((f, i) => {
    if (i < dst.length) commitFilter(dst[i], f);
    else dst.push({ ...f });
  });
}

/** `damos_commit` (C23, C24): every user-visible parameter; private state is kept. */
export function commitScheme(dst: Scheme, src: Scheme): void {
  dst.pattern = { ...src.pattern };
  dst.action = src.action;
  dst.applyIntervalUs = src.applyIntervalUs;
  dst.wmarks.metric = src.wmarks.metric;
  dst.wmarks.intervalUs = src.wmarks.intervalUs;
  dst.wmarks.high = src.wmarks.high;
  dst.wmarks.mid = src.wmarks.mid;
  dst.wmarks.low = src.wmarks.low;
  if (isMigrateAction(src.action)) dst.targetNid = src.targetNid;
  commitDests(dst.dests, src.dests);
  commitFilterList(dst.coreFilters, src.coreFilters);
  commitFilterList(dst.opsFilters, src.opsFilters);
  setFiltersDefaultReject(dst);
  commitQuota(dst.quota, src.quota);
  dst.maxNrSnapshots = src.maxNrSnapshots;
}

/**
 * Commits a scheme list by index (`damon_commit_schemes`): existing schemes
 * updated, extras removed or added. With the running context `ctx`, an added
 * scheme is first due one apply interval from now (`damon_add_scheme` →
 * `damos_set_next_apply_sis`), not at once.
 */
export function commitSchemes(dst: Scheme[], src: readonly Scheme[], ctx?: Context): void {
  dst.length = Math.min(dst.length, src.length);
  src.forEach((s, i) => {
    if (i < dst.length) commitScheme(dst[i], s);
    else {
      const n = newScheme({ action: s.action });
      commitScheme(n, s);
      if (ctx) setNextApplySis(ctx, n);
      dst.push(n);
    }
  });
}
