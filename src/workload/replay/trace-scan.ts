/**
 * One streaming pass over a trace before it is replayed: which threads it has
 * (in order of their first access), how many accesses each, the clock range,
 * every memory-map event (small: kept in memory) and how far the initial stack
 * grew below its mapping (the capture records no event for that), and where each
 * thread's access chunks are. Replay needs all of this up front: the threads to
 * spawn, the run length, the layout, and which chunks each thread must read.
 */
import { existsSync } from "node:fs";
import { InputError } from "../../util/errors.js";
import type { MapEvent, TraceDamage, TraceHeader } from "../trace/format.js";
import { TraceReader } from "../trace/reader.js";

/** Linux's default stack rlimit: how far below its mapping a stack may grow. */
const STACK_GROWTH_LIMIT = 8 * 2 ** 20;

export interface TraceThreadInfo {
  tid: number;
  accesses: number;
  /** Global index of its first access. */
  firstIndex: number;
  /** The access chunks holding its accesses (positions in TraceScan.chunkOffsets), ascending. */
  chunks: number[];
}

export interface TraceScan {
  path: string;
  header: TraceHeader;
  accesses: number;
  /** In order of first access. */
  threads: TraceThreadInfo[];
  firstClock: number;
  lastClock: number;
  events: MapEvent[];
  /**
   * File offset of every readable access chunk, in file order: the replay reads each
   * thread's chunks straight from there (chunk-file.ts) instead of the whole file.
   */
  chunkOffsets: number[];
  /** Bytes the first stack mapping must be extended downwards to hold every stack access. */
  stackGrowthBytes: number;
  damage: TraceDamage[];
  partial: boolean;
  /** True when the trace has no footer at all (cut short). */
  footerMissing: boolean;
  /** The footer's end reason, when it has one. */
  endReason: string | undefined;
}

export function scanTrace(path: string): TraceScan {
  if (path !== "-" && !existsSync(path)) throw new InputError("no such trace file", path);
  if (path === "-")
    throw new InputError(
      "a replayed trace is read twice (a scan, then the replay): give a file, not -",
      "trace:-",
    );
  const r = TraceReader.open(path);
  try {
    const byTid = new Map<number, TraceThreadInfo>();
    const events: MapEvent[] = [];
    let accesses = 0;
    let firstClock = NaN;
    let lastClock = NaN;
    let stackStart = NaN;
    let lowestStack = Infinity;
    let lastTid = NaN;
    let cur: TraceThreadInfo | undefined;
    const chunkOffsets: number[] = [];
    for (const item of r) {
      if (item.kind === "events") {
        for (const ev of item.events) {
          events.push(ev);
          if (ev.kind === "stack" && ev.type === "map" && Number.isNaN(stackStart)) stackStart = ev.start;
        }
      } else if (item.kind === "accesses") {
        const n = item.count;
        if (n === 0) continue;
        const { addr, clock, runStart, runTid } = item;
        const chunk = chunkOffsets.length;
        chunkOffsets.push(item.offset);
        if (Number.isNaN(firstClock)) firstClock = clock[0];
        lastClock = clock[n - 1];
        // Threads by run, not by access.
        for (let k = 0; k < item.runs; k++) {
          if (runStart[k + 1] === runStart[k]) continue;
          const t = runTid[k];
          if (t !== lastTid) {
            cur = byTid.get(t);
            if (cur === undefined) {
              cur = { tid: t, accesses: 0, firstIndex: item.firstIndex + runStart[k], chunks: [] };
              byTid.set(t, cur);
            }
            lastTid = t;
          }
          cur!.accesses += runStart[k + 1] - runStart[k];
          if (cur!.chunks[cur!.chunks.length - 1] !== chunk) cur!.chunks.push(chunk);
        }
        const lowLimit = stackStart - STACK_GROWTH_LIMIT;
        for (let i = 0; i < n; i++) {
          const a = addr[i];
          if (a < stackStart && a >= lowLimit && a < lowestStack) lowestStack = a;
        }
        accesses += n;
      }
    }
    if (accesses === 0) throw new InputError(`${path}: the trace has no accesses to replay`);
    return {
      path,
      header: r.header,
      accesses,
      threads: [...byTid.values()],
      firstClock,
      lastClock,
      events,
      chunkOffsets,
      stackGrowthBytes: lowestStack === Infinity ? 0 : stackStart - Math.floor(lowestStack / 4096) * 4096,
      damage: [...r.damage],
      partial: r.partial,
      footerMissing: r.footer === undefined,
      endReason: r.footer?.endReason,
    };
  } finally {
    r.close();
  }
}
