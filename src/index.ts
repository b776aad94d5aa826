/**
 * damon-ts public API. The core is DAMON's address-space independent engine,
 * exactly as the kernel defines it (the kernel's DAMON design documentation).
 */
export { UINT_MAX, ULONG_MAX, alignDown, alignUp, multFrac, multFracBig } from "./core/arith.js";
export type { Attrs, IntervalsGoal } from "./core/attrs.js";
export { defaultAttrs, nrSamplesPerAggr, updateMonitoringResult, validateAttrs } from "./core/attrs.js";
export type { ContextOptions } from "./core/context.js";
export { Context, createContext, setAttrs } from "./core/context.js";
export type { ContextParams } from "./core/commit.js";
export { commitContext } from "./core/commit.js";
export type { Clock } from "./core/clock.js";
export { VirtualClock } from "./core/clock.js";
export type { AddrRange } from "./core/region.js";
export {
  Region,
  Target,
  addRegion,
  commitTargetRegions,
  destroyRegion,
  isLastRegion,
  mergeTwoRegions,
  newRegion,
  setRegions,
  splitRegionAt,
  targetSize,
} from "./core/region.js";
export {
  applyMinNrRegions,
  kdamondMergeRegions,
  kdamondSplitRegions,
  mergeRegionsOf,
  regionSzLimit,
  splitRegionsOf,
} from "./core/adjust.js";
export { movingSum, mvsum, nrAccessesMvsum } from "./core/moving-sum.js";
export { feedLoopNextInput } from "./core/feed-loop.js";
export { intervalsTuneScoreBp, tuneIntervals, tunedIntervals } from "./core/tune.js";
export type { AccessReport, ReportObserver, ReportStats } from "./core/report.js";
export { AccessReportBuffer, regionContaining, reportAccess } from "./core/report.js";
export type { SampleFilter } from "./core/sample-filter.js";
export { SampleFilterSet } from "./core/sample-filter.js";
export type { AddressSpaceKind, Ops, OpsName } from "./core/ops.js";
export { OPS, nullOps } from "./core/ops.js";
export type { AggregationEvent, AggregationObserver, IterationPlan, SchemesEngine } from "./core/kdamond.js";
export { Kdamond, resetAggregated } from "./core/kdamond.js";
export type { RegionSnapshot, TargetSnapshot } from "./core/snapshot.js";
export { snapshotRegions } from "./core/snapshot.js";
export { threeRegionsOf } from "./ops/three-regions.js";
export { DEFAULT_SEED, Rng } from "./util/rng.js";
export { ConfigError, DamonInvalidError, FormatError, InputError, UsageError } from "./util/errors.js";
