/**
 * The monitoring context (damon-spec.md §1.4): attributes, operations set,
 * targets, the kdamond clock in sample intervals, and the access-report buffer.
 */
import {
  canConvertMonitoringResults,
  cloneAttrs,
  convertNrSamples,
  defaultAttrs,
  nrSamplesPerAggr,
  updateMonitoringResult,
  validateAttrs,
} from "./attrs.js";
import type { Attrs } from "./attrs.js";
import type { SchemesEngine } from "./kdamond.js";
import type { Ops } from "./ops.js";
import { nullOps } from "./ops.js";
import { Target } from "./region.js";
import { AccessReportBuffer } from "./report.js";
import { SampleFilterSet } from "./sample-filter.js";
import { updateProbeHits, validateProbes } from "./probe.js";
import type { Probe } from "./probe.js";
import type { SampleFilter } from "./sample-filter.js";
import { DEFAULT_SEED, Rng } from "../util/rng.js";

export interface ContextOptions {
  attrs?: Partial<Attrs>;
  ops?: Ops;
  targets?: Target[];
  /** Minimum region size and alignment (default 4096, the page size). */
  minRegionSz?: number;
  /** Core address unit (paddr only may use values ≠ 1). */
  addrUnit?: number;
  /** Seed of the random source used for sampling addresses and splits. */
  seed?: number;
  /** Number of CPUs whose report rings exist from the start (more are added on demand). */
  nrCpus?: number;
  /** Capacity of each per-CPU report ring (default 256, §5.6/§5.8). */
  reportRingCapacity?: number;
  /** Sample filters applied to access reports (§5.5.5). */
  sampleFilters?: SampleFilter[];
  /** Data-attribute probes (at most 4, docs/probes.md). */
  probes?: Probe[];
}

export class Context {
  attrs: Attrs;
  ops: Ops;
  targets: Target[];
  minRegionSz: number;
  readonly addrUnit: number;
  /** Seeded random source for sampling addresses and splits (§1.5). */
  readonly rng: Rng;
  /** When set, the kdamond keeps running but skips everything after the merge step. */
  pause = false;
  /** The kdamond clock: sample intervals passed since start. */
  passedSampleIntervals = 0;
  nextAggregationSis = 0;
  nextOpsUpdateSis = 0;
  nextIntervalsTuneSis = 0;
  /** aggr/sample captured at the last attribute change (§1.3, used by interval tuning). */
  aggrSamples: number;
  /**
   * Region count at the previous split. The kernel keeps it in a function-static
   * variable shared by all contexts; it is per context here (§3.2 allows this).
   */
  lastNrRegions = 0;
  /** Rotating offset of the newest partial split above max/2 (§3.2). */
  splitRotation = 0;
  /** Access reports waiting for the next drain (report mode). */
  readonly reports: AccessReportBuffer;
  sampleFilters: SampleFilterSet;
  /** Data-attribute probes (`ctx->probes`); weighted ones disable access checks. */
  probes: Probe[];
  /** Access-check rounds run (prepare + check, or a report drain): 0 for data-attributes-only. */
  nrAccessChecks = 0;
  /**
   * The context's DAMOS engine (the kernel's `ctx->schemes`), if any. The core
   * only calls it through `SchemesEngine`; `setAttrs` refreshes its apply deadlines.
   */
  schemes: SchemesEngine | null = null;

  constructor(opts: ContextOptions = {}) {
    const attrs = { ...defaultAttrs(), ...opts.attrs };
    attrs.intervalsGoal = { ...defaultAttrs().intervalsGoal, ...opts.attrs?.intervalsGoal };
    validateAttrs(attrs);
    const minRegionSz = opts.minRegionSz ?? 4096;
    if (!(minRegionSz > 0) || (minRegionSz & (minRegionSz - 1)) !== 0)
      throw new RangeError(`min region size ${minRegionSz} is not a power of two`);
    this.attrs = attrs;
    this.aggrSamples = nrSamplesPerAggr(attrs);
    this.ops = opts.ops ?? nullOps;
    this.targets = opts.targets ?? [];
    this.minRegionSz = minRegionSz;
    this.addrUnit = opts.addrUnit ?? 1;
    this.rng = new Rng(opts.seed ?? DEFAULT_SEED);
    this.reports = new AccessReportBuffer(opts.nrCpus ?? 1, opts.reportRingCapacity ?? 256);
    this.sampleFilters = new SampleFilterSet(opts.sampleFilters ?? []);
    this.probes = opts.probes ?? [];
    validateProbes(this.probes, attrs);
  }

  /** Total number of regions over all targets. */
  get nrRegions(): number {
    let n = 0;
    for (const t of this.targets) n += t.regions.length;
    return n;
  }

  /** Replaces the probes, validated as `damon_commit_ctx` does (nothing changes on error). */
  setProbes(probes: Probe[]): void {
    validateProbes(probes, this.attrs);
    this.probes = probes;
  }

  /** Replaces the sample filters (may be done online). */
  setSampleFilters(filters: SampleFilter[]): void {
    this.sampleFilters = new SampleFilterSet(filters);
  }
}

/** Creates a monitoring context; attributes default to the kernel's (§1.3). */
export function createContext(opts: ContextOptions = {}): Context {
  return new Context(opts);
}

/**
 * `damon_set_attrs` (§1.7): validates, moves the aggregation/update deadlines
 * relative to now, rescales every region's counters (skipped, as the kernel
 * "forgives" it, when an old or new interval is zero), and refreshes the schemes'
 * next apply time (`damos_set_next_apply_sis` for every scheme). `aggrSamples`
 * is the kernel's `attrs->aggr_samples`: the interval tuner passes the current
 * one so it is kept; other callers leave it to be recomputed as aggr/sample.
 * Throws DamonInvalidError, changing nothing.
 */
export function setAttrs(ctx: Context, attrs: Attrs, aggrSamples?: number): void {
  validateAttrs(attrs);
  validateProbes(ctx.probes, attrs);
  const old = ctx.attrs;
  const sample = attrs.sampleUs || 1;
  const aggregating = ctx.passedSampleIntervals < ctx.nextAggregationSis;
  ctx.nextAggregationSis = ctx.passedSampleIntervals + Math.floor(attrs.aggrUs / sample);
  ctx.nextOpsUpdateSis = ctx.passedSampleIntervals + Math.floor(attrs.updateUs / sample);
  if (canConvertMonitoringResults(old, attrs)) {
    for (const t of ctx.targets)
      for (const r of t.regions) {
        updateProbeHits(r, ctx.probes.length, (n) => convertNrSamples(n, old, attrs), aggregating);
        updateMonitoringResult(r, old, attrs, aggregating);
      }
  }
  ctx.aggrSamples = aggrSamples || Math.floor(attrs.aggrUs / sample);
  ctx.attrs = cloneAttrs(attrs);
  ctx.schemes?.attrsChanged?.(ctx);
}
