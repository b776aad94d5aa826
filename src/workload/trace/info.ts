/**
 * Summary of a trace file (`damon-ts trace info`): reads every chunk, so it also
 * verifies every checksum and reports damage.
 */
import type { MapEvent, TraceDamage, TraceFooter, TraceHeader } from "./format.js";
import { TraceReader } from "./reader.js";

export interface ThreadInfo {
  tid: number;
  accesses: number;
}

export interface TraceInfo {
  schema: "damon-ts/trace-info/1";
  file: string;
  fileBytes: number;
  header: TraceHeader;
  /** Undefined when the trace has no footer (cut short). */
  footer: TraceFooter | undefined;
  partial: boolean;
  accesses: number;
  reads: number;
  writes: number;
  bytesPerAccess: number;
  threads: ThreadInfo[];
  /** Distinct pages (of header.pageSize) touched by at least one access. */
  footprintPages: number;
  footprintBytes: number;
  /** Lowest and highest accessed address (inclusive of the last byte). */
  addrMin: number;
  addrMax: number;
  firstClock: number;
  lastClock: number;
  /** lastClock - firstClock, in header.clockUnit. */
  duration: number;
  mapEvents: number;
  /** Mappings alive at the end of the trace (after applying every event). */
  mappings: Pick<MapEvent, "start" | "length" | "prot" | "kind" | "name">[];
  damage: TraceDamage[];
}

export function traceInfo(path: string): TraceInfo {
  const r = TraceReader.open(path);
  try {
    // The reader has checked it: a power of two within sane bounds.
    const pageSize = r.header.pageSize;
    const pages = new Set<number>();
    // Direct-mapped filter in front of the Set: most accesses hit a recently seen page.
    const recent = new Float64Array(4096).fill(-1);
    const perThread = new Map<number, number>();
    const live = new Map<number, Pick<MapEvent, "start" | "length" | "prot" | "kind" | "name">>();
    let accesses = 0;
    let writes = 0;
    let addrMin = Infinity;
    let addrMax = -Infinity;
    let firstClock = NaN;
    let lastClock = NaN;
    let mapEvents = 0;
    for (const item of r) {
      if (item.kind === "events") {
        for (const ev of item.events) {
          mapEvents++;
          applyEvent(live, ev);
        }
        continue;
      }
      if (item.kind !== "accesses") continue;
      const { count, addr, size, isWrite, tid, clock } = item;
      if (count === 0) continue;
      if (Number.isNaN(firstClock)) firstClock = clock[0];
      lastClock = clock[count - 1];
      accesses += count;
      let runTid = tid[0];
      let runFrom = 0;
      for (let i = 0; i < count; i++) {
        const a = addr[i];
        const end = a + (size[i] > 0 ? size[i] - 1 : 0);
        if (a < addrMin) addrMin = a;
        if (end > addrMax) addrMax = end;
        writes += isWrite[i];
        if (tid[i] !== runTid) {
          perThread.set(runTid, (perThread.get(runTid) ?? 0) + i - runFrom);
          runTid = tid[i];
          runFrom = i;
        }
        // An access may straddle a page boundary: count both pages.
        for (let p = Math.floor(a / pageSize), last = Math.floor(end / pageSize); p <= last; p++) {
          const h = p & 4095;
          if (recent[h] !== p) {
            recent[h] = p;
            pages.add(p);
          }
        }
      }
      perThread.set(runTid, (perThread.get(runTid) ?? 0) + count - runFrom);
    }
    // Counted while reading, so a trace streamed on stdin gets its size too.
    const fileBytes = r.bytesRead;
    return {
      schema: "damon-ts/trace-info/1",
      file: path,
      fileBytes,
      header: r.header,
      footer: r.footer,
      partial: r.partial,
      accesses,
      reads: accesses - writes,
      writes,
      bytesPerAccess: accesses > 0 ? fileBytes / accesses : 0,
      threads: [...perThread].map(([t, n]) => ({ tid: t, accesses: n })).sort((a, b) => a.tid - b.tid),
      footprintPages: pages.size,
      footprintBytes: pages.size * pageSize,
      addrMin: accesses > 0 ? addrMin : 0,
      addrMax: accesses > 0 ? addrMax : 0,
      firstClock: accesses > 0 ? firstClock : 0,
      lastClock: accesses > 0 ? lastClock : 0,
      duration: accesses > 0 ? lastClock - firstClock : 0,
      mapEvents,
      mappings: [...live.values()].sort((a, b) => a.start - b.start),
      damage: r.damage,
    };
  } finally {
    r.close();
  }
}

/** Keeps a map of live mappings keyed by start (splitting on partial unmaps is not needed for a summary). */
function applyEvent(
  live: Map<number, Pick<MapEvent, "start" | "length" | "prot" | "kind" | "name">>,
  ev: MapEvent,
): void {
  if (ev.type === "map") {
    live.set(ev.start, { start: ev.start, length: ev.length, prot: ev.prot, kind: ev.kind, name: ev.name });
  } else if (ev.type === "unmap") {
    const end = ev.start + ev.length;
    for (const [s, m] of live) {
      if (s >= ev.start && s + m.length <= end) live.delete(s);
      else if (s < end && s + m.length > ev.start) {
        // Partly unmapped: keep the pieces outside the hole.
        live.delete(s);
        if (s < ev.start) live.set(s, { ...m, length: ev.start - s });
        if (s + m.length > end) live.set(end, { ...m, start: end, length: s + m.length - end });
      }
    }
  } else if (ev.type === "remap" && ev.to !== undefined) {
    const m = live.get(ev.start);
    if (m) {
      live.delete(ev.start);
      live.set(ev.to, { ...m, start: ev.to, length: ev.length });
    }
  } else if (ev.type === "protect") {
    const m = live.get(ev.start);
    if (m && ev.prot) m.prot = ev.prot;
  }
}
