/**
 * Monitoring attributes (damon-spec.md §1.3) and their validation and online
 * change with the rescaling of region counters (§1.7).
 */
import { multFrac, UINT_MAX } from "./arith.js";
import type { Region } from "./region.js";
import { DamonInvalidError } from "../util/errors.js";

/** Auto-tuning goal for the sampling/aggregation intervals (§4). `aggrs == 0` disables it. */
export interface IntervalsGoal {
  /** Target ratio of observed access events to the theoretical maximum, in bp. */
  accessBp: number;
  /** Tuning period, in aggregation intervals. */
  aggrs: number;
  /** Lower clamp of the tuned sampling interval (µs). */
  minSampleUs: number;
  /** Upper clamp of the tuned sampling interval (µs). */
  maxSampleUs: number;
}

/** DAMON monitoring attributes, in the kernel's units (µs, counts). */
export interface Attrs {
  /** Time between access checks (µs). */
  sampleUs: number;
  /** Aggregation window (µs); must be ≥ sampleUs. */
  aggrUs: number;
  /** How often the ops layout is refreshed (µs). */
  updateUs: number;
  /** Lower bound of the number of regions (≥ 3). */
  minNrRegions: number;
  /** Upper bound of the number of regions (≥ minNrRegions). */
  maxNrRegions: number;
  intervalsGoal: IntervalsGoal;
}

/** The kernel defaults (§1.3): 5 ms / 100 ms / 60 s, 10..1000 regions, no tuning. */
export function defaultAttrs(): Attrs {
  return {
    sampleUs: 5000,
    aggrUs: 100_000,
    updateUs: 60_000_000,
    minNrRegions: 10,
    maxNrRegions: 1000,
    intervalsGoal: { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 },
  };
}

/**
 * Samples per aggregation window — the maximum `nrAccesses` (newest
 * `damon_nr_samples_per_aggr`, C11): aggr/(sample ?: 1), capped at UINT_MAX, 0 → 1.
 */
export function nrSamplesPerAggr(attrs: Pick<Attrs, "sampleUs" | "aggrUs">): number {
  const n = Math.min(Math.floor(attrs.aggrUs / (attrs.sampleUs || 1)), UINT_MAX);
  return n === 0 ? 1 : n;
}

/** Validates attributes as `damon_set_attrs` does (§1.7, C13); throws DamonInvalidError. */
export function validateAttrs(attrs: Attrs): void {
  const g = attrs.intervalsGoal;
  if (g.aggrs !== 0) {
    if (g.minSampleUs > g.maxSampleUs)
      throw new DamonInvalidError("intervals goal: min_sample_us > max_sample_us");
    if (attrs.sampleUs < g.minSampleUs || attrs.sampleUs > g.maxSampleUs)
      throw new DamonInvalidError("intervals goal: sample interval outside [min_sample_us, max_sample_us]");
  }
  if (attrs.minNrRegions < 3) throw new DamonInvalidError("min_nr_regions must be at least 3");
  if (attrs.minNrRegions > attrs.maxNrRegions)
    throw new DamonInvalidError("min_nr_regions exceeds max_nr_regions");
  if (attrs.sampleUs > attrs.aggrUs)
    throw new DamonInvalidError("sample interval exceeds aggregation interval");
}

/** `damon_nr_samples_for_new_attrs`: a sample count rescaled to new intervals through bp. */
export function convertNrSamples(nr: number, oldAttrs: Attrs, newAttrs: Attrs): number {
  const bp = multFrac(nr, 10000, nrSamplesPerAggr(oldAttrs));
  return Math.floor((bp * nrSamplesPerAggr(newAttrs)) / 10000);
}

/**
 * Whether two attribute sets are equal (the kernel's `damon_attrs_equals`): every
 * user field, the intervals goal included. `damon_commit_ctx` calls
 * `damon_set_attrs` only when this is false.
 */
export function attrsEqual(a: Attrs, b: Attrs): boolean {
  const ga = a.intervalsGoal;
  const gb = b.intervalsGoal;
  return (
    a.sampleUs === b.sampleUs &&
    a.aggrUs === b.aggrUs &&
    a.updateUs === b.updateUs &&
    a.minNrRegions === b.minNrRegions &&
    a.maxNrRegions === b.maxNrRegions &&
    ga.accessBp === gb.accessBp &&
    ga.aggrs === gb.aggrs &&
    ga.minSampleUs === gb.minSampleUs &&
    ga.maxSampleUs === gb.maxSampleUs
  );
}

/**
 * Whether `damon_update_monitoring_results` converts counters for this change: the
 * kernel "forgives" (skips) the conversion when any old or new interval is zero.
 */
export function canConvertMonitoringResults(oldAttrs: Attrs, newAttrs: Attrs): boolean {
  return oldAttrs.sampleUs !== 0 && oldAttrs.aggrUs !== 0 && newAttrs.sampleUs !== 0 && newAttrs.aggrUs !== 0;
}

/**
 * Rescales one region's counters for an attribute change (§1.7, C12;
 * `damon_update_monitoring_result`). When the change happens mid-window
 * (`aggregating`), the partial window is discarded; the last window's count is
 * converted in every case (newest kernel). Callers skip it when an interval is
 * zero (`canConvertMonitoringResults`).
 */
export function updateMonitoringResult(
  r: Region,
  oldAttrs: Attrs,
  newAttrs: Attrs,
  aggregating: boolean,
): void {
  r.lastNrAccesses = convertNrSamples(r.lastNrAccesses, oldAttrs, newAttrs);
  r.nrAccesses = aggregating ? 0 : convertNrSamples(r.nrAccesses, oldAttrs, newAttrs);
  r.age = Math.floor((r.age * oldAttrs.aggrUs) / newAttrs.aggrUs);
}

/** A deep copy of attributes. */
export function cloneAttrs(a: Attrs): Attrs {
  return { ...a, intervalsGoal: { ...a.intervalsGoal } };
}
