/**
 * What the kernel backend and the qemu guest read back: per-region monitoring
 * results (from a `stat` scheme's tried regions or the damon_aggregated tracepoint)
 * and per-scheme statistics, in kernel units.
 */
import type { RegionSnapshot } from "../core/snapshot.js";
import type { SchemeStats as DamosSchemeStats } from "../schemes/types.js";

/** A region as the kernel reports it is the core's (probe hits on 7.2+ kernels with probes installed). */
export type { RegionSnapshot } from "../core/snapshot.js";

export interface Snapshot {
  /** Nanoseconds since the recording started. */
  startNs: number;
  endNs: number;
  regions: RegionSnapshot[];
}

/**
 * A scheme's stats as a kernel's sysfs shows them: the simulator's SchemeStats, but
 * the files only newer kernels have are null when absent (`sz_ops_filter_passed`
 * 6.14+, `nr_snapshots` newest).
 */
export type SchemeStats = Omit<DamosSchemeStats, "szOpsFilterPassed" | "nrSnapshots"> & {
  szOpsFilterPassed: number | null;
  nrSnapshots: number | null;
};
