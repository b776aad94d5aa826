/**
 * DAMOS scheme structures (damon-spec.md §6.1–§6.13), in the kernel's units:
 * bytes, samples, aggregation intervals, µs / ms, permil, bp.
 */

/** DAMOS actions (§6.3); the kdamonds configuration, the CLI and the kernel backend use this list. */
export const DAMOS_ACTIONS = [
  "willneed",
  "cold",
  "pageout",
  "hugepage",
  "nohugepage",
  "collapse",
  "lru_prio",
  "lru_deprio",
  "migrate_hot",
  "migrate_cold",
  "stat",
] as const;
export type DamosAction = (typeof DAMOS_ACTIONS)[number];

/** The actions that move pages to another node: only they take `target_nid`. */
export function isMigrateAction(action: DamosAction): boolean {
  return action === "migrate_hot" || action === "migrate_cold";
}

/** Inclusive ranges a region must fall in (§6.2). */
export interface AccessPattern {
  minSzRegion: number;
  maxSzRegion: number;
  /** In samples per aggregation window. */
  minNrAccesses: number;
  maxNrAccesses: number;
  /** In aggregation intervals. */
  minAge: number;
  maxAge: number;
}

/** Quota goal metrics (§6.8.1). */
export const QUOTA_GOAL_METRICS = [
  "user_input",
  "some_mem_psi_us",
  "node_mem_used_bp",
  "node_mem_free_bp",
  "node_memcg_used_bp",
  "node_memcg_free_bp",
  "active_mem_bp",
  "inactive_mem_bp",
  "node_eligible_mem_bp",
] as const;
export type QuotaGoalMetric = (typeof QUOTA_GOAL_METRICS)[number];

/** How goals tune the effective quota (§6.8.2). */
export const GOAL_TUNERS = ["consist", "temporal"] as const;
export type GoalTuner = (typeof GOAL_TUNERS)[number];

export interface QuotaGoal {
  metric: QuotaGoalMetric;
  targetValue: number;
  currentValue: number;
  /** Node of node metrics. */
  nid: number;
  /** Memory cgroup id of memcg metrics. */
  memcgId: number;
  /** Use the complementary value of a bp metric (newest; optional semantics). */
  complement: boolean;
  /** Baseline of `some_mem_psi_us` (null = not yet recorded: the U64_MAX sentinel). */
  lastPsiTotal: number | null;
}

/** Quota: limits per reset interval, prioritisation weights, goals (§6.6–§6.8). */
export interface Quota {
  /** Time quota: ms of action time per reset interval (0 = none). */
  ms: number;
  /** Size quota: bytes per reset interval (0 = none). */
  sz: number;
  resetIntervalMs: number;
  weightSz: number;
  weightNrAccesses: number;
  weightAge: number;
  goals: QuotaGoal[];
  goalTuner: GoalTuner;
  failChargeNum: number;
  failChargeDenom: number;
  // Private state.
  chargedSz: number;
  /** Start of the current charge window in ns; null before the first window. */
  chargedFromNs: number | null;
  /** Where the last full window stopped: target index and address. */
  chargeTargetFrom: number | null;
  chargeAddrFrom: number;
  totalChargedSz: number;
  totalChargedNs: number;
  /** Effective size quota in bytes (Infinity = unlimited). */
  esz: number;
  /** Feedback-loop state of goals, in bp of bytes (bigint: saturates at ULONG_MAX). */
  eszBp: bigint;
  minScore: number;
}

export const WMARK_METRICS = ["none", "free_mem_rate"] as const;
export type WatermarkMetric = (typeof WMARK_METRICS)[number];

export interface Watermarks {
  metric: WatermarkMetric;
  intervalUs: number;
  high: number;
  mid: number;
  low: number;
  activated: boolean;
}

/** Core filters; `probe_hits_wsum` is the newest mm tree's (after Linux 7.3; docs/probes.md). */
export const CORE_FILTER_TYPES = ["addr", "target", "probe_hits_wsum"] as const;
export const OPS_FILTER_TYPES = ["anon", "active", "memcg", "young", "hugepage_size", "unmapped"] as const;
export type CoreFilterType = (typeof CORE_FILTER_TYPES)[number];
export type OpsFilterType = (typeof OPS_FILTER_TYPES)[number];
export type FilterType = CoreFilterType | OpsFilterType;
/** Every DAMOS filter type, ops filters first (the kdamonds file's order). */
export const FILTER_TYPES: readonly FilterType[] = [...OPS_FILTER_TYPES, ...CORE_FILTER_TYPES];

export interface DamosFilter {
  type: FilterType;
  matching: boolean;
  allow: boolean;
  /** `addr`: [start, end). */
  addrStart?: number;
  addrEnd?: number;
  /** `target`: index of the target. */
  targetIdx?: number;
  /** `memcg`: cgroup id. */
  memcgId?: number;
  /** `hugepage_size`: inclusive [min, max] bytes. */
  minSz?: number;
  maxSz?: number;
  /** `probe_hits_wsum`: inclusive [min, max] of the region's weighted probe-hit sum (`range_{min,max}`). */
  wsumMin?: number;
  wsumMax?: number;
}

export interface SchemeStats {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  szOpsFilterPassed: number;
  qtExceeds: number;
  nrSnapshots: number;
}

export interface MigrateDest {
  nid: number;
  weight: number;
}

/** One tried region, as `update_schemes_tried_regions` shows it (§6.12). */
export interface TriedRegion {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
  szFilterPassed: number;
}

export interface Scheme {
  pattern: AccessPattern;
  action: DamosAction;
  /** 0 = the aggregation interval. */
  applyIntervalUs: number;
  quota: Quota;
  wmarks: Watermarks;
  /** Migration destination node (-1 = none). */
  targetNid: number;
  dests: MigrateDest[];
  coreFilters: DamosFilter[];
  opsFilters: DamosFilter[];
  stat: SchemeStats;
  /** Stop applying once stat.nrSnapshots reaches this; 0 = unlimited. */
  maxNrSnapshots: number;
  // Private state.
  nextApplySis: number;
  coreFiltersAllowed: boolean;
  coreFiltersDefaultReject: boolean;
  opsFiltersDefaultReject: boolean;
}
