/**
 * Plain-data copies of a context's regions, for observers that keep what they
 * see (records, metrics, tests): the live regions change every sample.
 */
import type { Context } from "./context.js";

export interface RegionSnapshot {
  start: number;
  end: number;
  /** Samples with an access in the aggregation interval. */
  nrAccesses: number;
  /** Aggregation intervals the region kept its access level. */
  age: number;
  /** Hits of each installed probe in the window (absent when the context has no probes). */
  probeHits?: number[];
}

export interface TargetSnapshot {
  pid: number | undefined;
  regions: RegionSnapshot[];
}

/** Copies every target's regions with their current counters. */
export function snapshotRegions(ctx: Context): TargetSnapshot[] {
  const nrProbes = ctx.probes.length;
  return ctx.targets.map((t) => ({
    pid: t.pid,
    regions: t.regions.map((r) => {
      const s: RegionSnapshot = { start: r.start, end: r.end, nrAccesses: r.nrAccesses, age: r.age };
      if (nrProbes > 0) s.probeHits = Array.from(r.probeHits.subarray(0, nrProbes));
      return s;
    }),
  }));
}
