/**
 * What an exporter source reports at one scrape, as plain data in kernel units
 * (bytes, microseconds, counts). Every source (DAMON_STAT, kernel kdamonds, a
 * simulated or live run) produces a Reading; metrics.ts turns it into Prometheus
 * series, so dashboards see the same names whatever the source.
 */
import type { SchemeStats } from "../kernel/snapshot.js";

/** A quantile (0..1) and its value. */
export interface QuantileValue {
  quantile: number;
  value: number;
}

export interface TargetReading {
  target: string;
  nrRegions: number;
  /** Bytes in regions with at least one access in the last aggregation. */
  wssBytes: number;
  /** WSS distribution over every snapshot seen so far (empty when unknown). */
  wssQuantiles: QuantileValue[];
}

/** A scheme's stats (fields a kernel lacks are null) and effective quota. */
export type SchemeReading = { scheme: string; action: string } & SchemeStats & {
    /** The quota's effective size limit in bytes (null: no size limit or unknown). */
    effectiveQuotaBytes: number | null;
  };

export interface ContextReading {
  kdamond: string;
  context: string;
  /** Current (possibly auto-tuned) intervals; null when the source does not expose them. */
  sampleUs: number | null;
  aggrUs: number | null;
  /** Aggregations completed (null: unknown). */
  snapshots: number | null;
  /** DAMON_STAT's estimate: Σ region bytes × nr_accesses per second. */
  bandwidthBytesPerSec: number | null;
  /** Idle time quantiles (byte-weighted), in seconds; negative = accessed for that long (6.18+). */
  idleSeconds: QuantileValue[];
  /** Access reports offered / dropped because a CPU's ring was full (null: no report source). */
  reportsReceived: number | null;
  reportRingDrops: number | null;
  targets: TargetReading[];
  schemes: SchemeReading[];
}

export interface Reading {
  /** Only for the DAMON_STAT source. */
  stat?: { enabled: boolean; kdamondPid: number | null };
  /** Whether the monitored run is still going (null: not applicable). */
  running: boolean | null;
  contexts: ContextReading[];
}

/** Something the exporter reads at every scrape. */
export interface ReadingSource {
  /** e.g. "sim:stairs", "stat", "kernel". */
  readonly name: string;
  read(): Reading | Promise<Reading>;
  close?(): void;
}

/** The quantiles the exporter publishes for distributions. */
export const QUANTILES = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] as const;
