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
  /** Hits of each probe (7.2+ kernels with probes installed). */
  probeHits?: number[];
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
