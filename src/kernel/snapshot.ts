/**
 * What the kernel backend and the qemu guest read back: per-region monitoring
 * results (from a `stat` scheme's tried regions or the damon_aggregated tracepoint)
 * and per-scheme statistics, in kernel units.
 */

export interface RegionSnapshot {
  start: number;
  end: number;
  /** Samples with an access in the aggregation interval. */
  nrAccesses: number;
  /** Aggregation intervals the region kept its access level. */
  age: number;
}

export interface Snapshot {
  /** Nanoseconds since the recording started. */
  startNs: number;
  endNs: number;
  regions: RegionSnapshot[];
}

export interface SchemeStats {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  /** 6.14+; null when the kernel does not have the file. */
  szOpsFilterPassed: number | null;
  qtExceeds: number;
  /** Newest kernels; null when absent. */
  nrSnapshots: number | null;
}

/** The interim record format: a JSON list of {start_ns, end_ns, regions:[{start,end,nr_accesses,age}]}. */
export function snapshotsToJson(snapshots: Snapshot[]): string {
  const list = snapshots.map((s) => ({
    start_ns: s.startNs,
    end_ns: s.endNs,
    regions: s.regions.map((r) => ({ start: r.start, end: r.end, nr_accesses: r.nrAccesses, age: r.age })),
  }));
  return `${JSON.stringify(list, null, 1)}\n`;
}
