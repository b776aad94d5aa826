/**
 * Typed kdamonds configuration (damo's schema, formats.md §3) in kernel units:
 * intervals in µs, sizes in bytes, nr_accesses in samples per aggregation, age in
 * aggregation intervals, ratios in permil or bp. `UNLIMITED` (Infinity) is `max`.
 * The simulator's DAMOS and the sysfs backend both consume these objects.
 */

import type { OpsName } from "../core/ops.js";
import type { Probe } from "../core/probe.js";

import type { SampleFilterType } from "../core/sample-filter.js";
import type {
  DamosAction,
  FilterType,
  GoalTuner,
  QuotaGoalMetric,
  WatermarkMetric,
} from "../schemes/types.js";

/** Inclusive range; `max` may be `UNLIMITED`. */
export interface Range {
  min: number;
  max: number;
}

export interface AddrRange {
  start: number;
  end: number;
}

export interface KdamondsConfig {
  kdamonds: KdamondConfig[];
}

export interface KdamondConfig {
  /** Auto-refresh period of stats in the kernel (6.17+); 0 = off. */
  refreshMs: number;
  contexts: ContextConfig[];
}

export interface ContextConfig {
  ops: OpsName;
  /** Bytes per core address unit (paddr only may use ≠ 1). */
  addrUnit: number;
  targets: TargetConfig[];
  intervals: IntervalsConfig;
  nrRegions: Range;
  /** Data-attribute probes (DAMON 7.2+, docs/probes.md). */
  probes: Probe[];
  sampleControl: SampleControlConfig;
  pause: boolean;
  schemes: SchemeConfig[];
}

export interface TargetConfig {
  /** Process id for vaddr/fvaddr; null for paddr. */
  pid: number | null;
  obsolete: boolean;
  /** Initial/fixed monitoring ranges in core address units; empty = automatic. */
  regions: AddrRange[];
}

export interface IntervalsConfig {
  sampleUs: number;
  aggrUs: number;
  updateUs: number;
  goal: IntervalsGoalConfig;
}

/** Monitoring intervals auto-tuning (spec §4); `aggrs` 0 disables it. */
export interface IntervalsGoalConfig {
  accessBp: number;
  aggrs: number;
  minSampleUs: number;
  maxSampleUs: number;
}

export interface SampleControlConfig {
  primitivesEnabled: { pageTable: boolean; pageFault: boolean };
  sampleFilters: SampleFilterConfig[];
}

export interface SampleFilterConfig {
  type: SampleFilterType;
  matching: boolean;
  allow: boolean;
  /** cpulist string (`0-3,5`) for cpumask filters. */
  cpumask: string | null;
  /** Thread ids for threads filters. */
  tidArr: number[] | null;
  /** The file gave `tid_arr` as damo 3.3's text ("1234,1235"): written back the same way. */
  tidArrText?: boolean;
}

export interface SchemeConfig {
  action: DamosAction;
  /** Weighted migration destinations (migrate_*); empty = use targetNid. */
  dests: { nid: number; weight: number }[];
  /** Destination node of migrate_* actions; null elsewhere (sysfs -1). */
  targetNid: number | null;
  accessPattern: AccessPatternConfig;
  /** 0 = every aggregation interval. */
  applyIntervalUs: number;
  quotas: QuotasConfig;
  watermarks: WatermarksConfig;
  filters: FilterConfig[];
}

export interface AccessPatternConfig {
  /** Region size in bytes. */
  szBytes: Range;
  /** Samples per aggregation interval (kernel unit). */
  nrAccesses: Range;
  /** Aggregation intervals (kernel unit). */
  age: Range;
  /** How nr_accesses was written, kept so the file is written back the same way; null = samples. */
  nrAccessesPercent: Range | null;
  /** How age was written when given as a time (µs); null = aggregation intervals. */
  ageUs: Range | null;
}

export interface QuotaGoalConfig {
  metric: QuotaGoalMetric;
  nid: number | null;
  memcgPath: string | null;
  targetValue: number;
  currentValue: number;
}

export interface QuotasConfig {
  /** Time quota (ms of action time per reset interval); 0 = none. */
  timeMs: number;
  /** Size quota (bytes per reset interval); 0 = none. */
  szBytes: number;
  /** Charge window; `UNLIMITED` by default. */
  resetIntervalMs: number;
  failChargeNum: number;
  failChargeDenom: number;
  goals: QuotaGoalConfig[];
  goalTuner: GoalTuner;
  /** Only meaningful in live dumps (read back from the kernel). */
  effectiveSzBytes: number;
  weights: { szPermil: number; nrAccessesPermil: number; agePermil: number };
}

export interface WatermarksConfig {
  metric: WatermarkMetric;
  intervalUs: number;
  highPermil: number;
  midPermil: number;
  lowPermil: number;
}

export interface FilterConfig {
  type: FilterType;
  matching: boolean;
  allow: boolean;
  memcgPath: string | null;
  addressRange: AddrRange | null;
  targetIdx: number | null;
  hugepageSize: Range | null;
  /** `probe_hits_wsum`: inclusive range of the weighted probe-hit sum (damon-ts's field; damo 3.3 has none). */
  probeHitsWsum: Range | null;
}
