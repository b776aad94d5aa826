/**
 * In-memory form of a damo record file (formats.md §2.2): one DamonRecord per
 * kdamond/context/target(/scheme), each a list of snapshots. Regions are kept as
 * columns of typed arrays, not objects, so a 2,000 x 1,000 record is ~80 MB
 * instead of gigabytes.
 */
import type { SchemeStats } from "../schemes/types.js";
import { ProbeHitsBuilder, regionProbeHits } from "./probe-hits.js";

export interface IntervalsGoal {
  accessBp: number;
  aggrs: number;
  minSampleUs: number;
  maxSampleUs: number;
}

export interface Intervals {
  sampleUs: number;
  aggrUs: number;
  updateUs: number;
  goal: IntervalsGoal | null;
}

/** A DAMOS filter as recorded with tried-regions snapshots (formats.md §3.2). */
export interface SchemeFilter {
  filterType: string;
  matching: boolean;
  allow: boolean;
  memcgPath: string | null;
  addressRange: { start: number; end: number } | null;
  damonTargetIdx: number | null;
  hugepageSize: [number, number] | null;
}

/**
 * A scheme's stats as a record holds them: the scheme's own stats (SchemeStats),
 * where older damo versions omit `nr_snapshots` and newer ones add `max_nr_snapshots`.
 */
export type DamosStats = Omit<SchemeStats, "nrSnapshots"> & { nrSnapshots?: number; maxNrSnapshots?: number };

/** Regions of one snapshot, as columns. `age` is NaN when unknown (null). */
export interface Snapshot {
  startNs: number;
  endNs: number;
  nr: number;
  start: Float64Array;
  end: Float64Array;
  samples: Float64Array;
  age: Float64Array;
  /** Bytes that passed DAMOS filters; NaN when unknown. */
  szFilterPassed: Float64Array;
  /** Probe hits, one column per probe index (src/record/probe-hits.ts); absent without probes. */
  probeHits?: Float64Array[];
  totalBytes: number | null;
  damosStats: DamosStats | null;
  sampleIntervalUs: number | null;
}

export interface DamonRecord {
  kdamondIdx: number | null;
  contextIdx: number | null;
  intervals: Intervals | null;
  schemeIdx: number | null;
  /** Decimal text of the target id (kernel ids exceed 2^53), or null. */
  targetId: string | null;
  schemeFilters: SchemeFilter[];
  snapshots: Snapshot[];
  dataSource: string | null;
}

/** One region, for callers that build snapshots (the simulator, tests). */
export interface RegionInput {
  start: number;
  end: number;
  nrAccesses: number;
  /** Age in aggregation intervals; null when unknown. */
  age: number | null;
  szFilterPassed?: number | null;
  /** Hits of each probe in the window (damo's `probe_hits`). */
  probeHits?: readonly number[];
}

export function makeSnapshot(
  startNs: number,
  endNs: number,
  regions: readonly RegionInput[],
  extra: Partial<Pick<Snapshot, "totalBytes" | "damosStats" | "sampleIntervalUs">> = {},
): Snapshot {
  const n = regions.length;
  const hits = new ProbeHitsBuilder();
  const s: Snapshot = {
    startNs,
    endNs,
    nr: n,
    start: new Float64Array(n),
    end: new Float64Array(n),
    samples: new Float64Array(n),
    age: new Float64Array(n),
    szFilterPassed: new Float64Array(n),
    totalBytes: extra.totalBytes ?? null,
    damosStats: extra.damosStats ?? null,
    sampleIntervalUs: extra.sampleIntervalUs ?? null,
  };
  for (let i = 0; i < n; i++) {
    const r = regions[i];
    s.start[i] = r.start;
    s.end[i] = r.end;
    s.samples[i] = r.nrAccesses;
    s.age[i] = r.age ?? NaN;
    s.szFilterPassed[i] = r.szFilterPassed ?? 0;
    hits.set(i, r.probeHits);
  }
  const cols = hits.take(n);
  if (cols) s.probeHits = cols;
  return s;
}

export function snapshotRegions(s: Snapshot): RegionInput[] {
  const out: RegionInput[] = [];
  for (let i = 0; i < s.nr; i++) {
    out.push({
      start: s.start[i],
      end: s.end[i],
      nrAccesses: s.samples[i],
      age: Number.isNaN(s.age[i]) ? null : s.age[i],
      szFilterPassed: Number.isNaN(s.szFilterPassed[i]) ? null : s.szFilterPassed[i],
      ...(s.probeHits ? { probeHits: regionProbeHits(s, i) } : {}),
    });
  }
  return out;
}

/** Sum of region sizes: damo's `total_bytes` when the file has none. */
export function snapshotTotalBytes(s: Snapshot): number {
  let t = 0;
  for (let i = 0; i < s.nr; i++) t += s.end[i] - s.start[i];
  return t;
}

export function emptyRecord(targetId: string | null, intervals: Intervals | null): DamonRecord {
  return {
    kdamondIdx: null,
    contextIdx: null,
    intervals,
    schemeIdx: null,
    targetId,
    schemeFilters: [],
    snapshots: [],
    dataSource: null,
  };
}
