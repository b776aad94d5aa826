/**
 * One streaming pass over a trace before it is replayed: which threads it has
 * (in order of their first access), how many accesses each, the clock range,
 * every memory-map event (small: kept in memory) and how far the initial stack
 * grew below its mapping (the capture records no event for that). Replay needs
 * all of this up front: the threads to spawn, the run length, and the layout.
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
    throw new InputError("a replayed trace is read once per thread: give a file, not -", "trace:-");
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
    for (const item of r) {
      if (item.kind === "events") {
        for (const ev of item.events) {
          events.push(ev);
          if (ev.kind === "stack" && ev.type === "map" && Number.isNaN(stackStart)) stackStart = ev.start;
        }
      } else if (item.kind === "accesses") {
        const n = item.count;
        if (n === 0) continue;
        const { tid, addr, clock } = item;
        if (Number.isNaN(firstClock)) firstClock = clock[0];
        lastClock = clock[n - 1];
        const lowLimit = stackStart - STACK_GROWTH_LIMIT;
        for (let i = 0; i < n; i++) {
          const t = tid[i];
          if (t !== lastTid) {
            cur = byTid.get(t);
            if (cur === undefined) {
              cur = { tid: t, accesses: 0, firstIndex: item.firstIndex + i };
              byTid.set(t, cur);
            }
            lastTid = t;
          }
          cur!.accesses++;
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
