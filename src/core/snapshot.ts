/**
 * Plain-data copies of a context's regions, for observers that keep what they
 * see (records, metrics, tests): the live regions change every sample.
 */
import type { Context } from "./context.js";

export interface RegionSnapshot {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
}

export interface TargetSnapshot {
  pid: number | undefined;
  regions: RegionSnapshot[];
}

/** Copies every target's regions with their current counters. */
export function snapshotRegions(ctx: Context): TargetSnapshot[] {
  return ctx.targets.map((t) => ({
    pid: t.pid,
    regions: t.regions.map((r) => ({ start: r.start, end: r.end, nrAccesses: r.nrAccesses, age: r.age })),
  }));
}
