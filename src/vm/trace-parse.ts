/**
 * Parsing what the guest sends back: the `damon:damon_aggregated` trace lines from
 * the second serial port (one line per region per aggregation; `nr_regions` tells how
 * many make up one aggregation), and the workload's `DTS-` lines from the console.
 */
import { FormatError } from "../util/errors.js";
import type { SchemeStats, Snapshot } from "../kernel/snapshot.js";

// e.g. "kdamond.0-87 [000] ..... 5.123456: damon_aggregated: target_id=0 nr_regions=13 94558756302848-94558756306944: 0 5"
const AGGR = /\s(\d+)\.(\d+): damon_aggregated: target_id=(\d+) nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)/;

/**
 * Groups trace events into snapshots of target `targetId` (the first seen when
 * omitted). Times are the guest's CLOCK_MONOTONIC in ns; a snapshot starts where the
 * previous one ended (the first one `aggrUs` earlier). A trailing incomplete
 * aggregation (cut off at power-off) is dropped and counted.
 */
export function parseAggregatedTrace(
  text: string,
  aggrUs: number,
  targetId?: number,
): { snapshots: Snapshot[]; droppedPartial: number } {
  const snapshots: Snapshot[] = [];
  let cur: Snapshot | null = null;
  let expect = 0;
  let target = targetId;
  let lastEnd = -1;
  let dropped = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = AGGR.exec(line);
    if (!m) return;
    const tid = Number(m[3]);
    if (target === undefined) target = tid;
    if (tid !== target) return;
    const tNs = Number(m[1]) * 1e9 + Number(m[2].padEnd(9, "0").slice(0, 9));
    const nr = Number(m[4]);
    const region = { start: Number(m[5]), end: Number(m[6]), nrAccesses: Number(m[7]), age: Number(m[8]) };
    if (region.start >= region.end)
      throw new FormatError(`region ${m[5]}-${m[6]} is empty or reversed`, `trace line ${i + 1}`);
    if (!cur) {
      cur = { startNs: lastEnd >= 0 ? lastEnd : tNs - aggrUs * 1000, endNs: tNs, regions: [] };
      expect = nr;
    }
    cur.regions.push(region);
    cur.endNs = tNs;
    if (cur.regions.length === expect) {
      snapshots.push(cur);
      lastEnd = cur.endNs;
      cur = null;
    }
  });
  if (cur) dropped = 1;
  return { snapshots, droppedPartial: dropped };
}

export interface WorkloadRegion {
  name: string;
  start: number;
  end: number;
}

export interface WorkloadPhase {
  index: number;
  name: string;
  /** Guest CLOCK_MONOTONIC ns when the phase started. */
  startNs: number;
}

export interface ConsoleInfo {
  regions: WorkloadRegion[];
  phases: WorkloadPhase[];
  doneNs: number | null;
  errors: string[];
  status: string[];
  /** Scheme stats the guest read just before turning DAMON off. */
  schemeStats: { kdamond: number; context: number; scheme: number; stats: SchemeStats }[];
}

export function parseConsole(text: string): ConsoleInfo {
  const info: ConsoleInfo = {
    regions: [],
    phases: [],
    doneNs: null,
    errors: [],
    status: [],
    schemeStats: [],
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    let m = /^DTS-REGION (\S+) (\d+) (\d+)$/.exec(line);
    if (m) {
      info.regions.push({ name: m[1], start: Number(m[2]), end: Number(m[3]) });
      continue;
    }
    m = /^DTS-PHASE (\d+) (\d+) (.*)$/.exec(line);
    if (m) {
      info.phases.push({ index: Number(m[1]), startNs: Number(m[2]), name: m[3] });
      continue;
    }
    m = /^DTS-STATS (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (m) {
      const n = m.slice(1).map(Number);
      info.schemeStats.push({
        kdamond: n[0],
        context: n[1],
        scheme: n[2],
        stats: {
          nrTried: n[3],
          szTried: n[4],
          nrApplied: n[5],
          szApplied: n[6],
          qtExceeds: n[7],
          szOpsFilterPassed: null,
          nrSnapshots: null,
        },
      });
      continue;
    }
    m = /^DTS-WORKLOAD-DONE (\d+)$/.exec(line);
    if (m) info.doneNs = Number(m[1]);
    m = /DTS-ERROR (.*)$/.exec(line);
    if (m) info.errors.push(m[1]);
    m = /DTS-STATUS (.*)$/.exec(line);
    if (m) info.status.push(m[1]);
    m = /^masim-guest: (.*)$/.exec(line);
    if (m) info.errors.push(`workload: ${m[1]}`);
  }
  return info;
}

/**
 * The workload region holding most access weight (nr_accesses × overlapping bytes) in
 * a snapshot, or null when nothing was accessed.
 */
export function hottestWorkloadRegion(s: Snapshot, regions: WorkloadRegion[]): string | null {
  let best: string | null = null;
  let bestW = 0;
  for (const w of regions) {
    let weight = 0;
    for (const r of s.regions) {
      const overlap = Math.min(r.end, w.end) - Math.max(r.start, w.start);
      if (overlap > 0) weight += overlap * r.nrAccesses;
    }
    if (weight > bestW) {
      bestW = weight;
      best = w.name;
    }
  }
  return best;
}
