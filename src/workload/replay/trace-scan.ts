/**
 * One streaming pass over a trace before it is replayed: which threads it has
 * (in order of their first access), how many accesses each, the clock range,
 * every memory-map event (small: kept in memory) and how far the initial stack
 * grew below its mapping (the capture records no event for that), and where each
 * thread's access chunks are. Replay needs all of this up front: the threads to
 * spawn, the run length, the layout, and which chunks each thread must read.
 *
 * A trace written with an access index (format 1.1, access-index.ts) is scanned
 * without inflating its access chunks: their checksums are checked and the index
 * supplies the rest. A trace without one, damaged or partial, or whose index does
 * not match its chunk headers, is scanned by decoding every access, as before.
 */
import { existsSync, statSync } from "node:fs";
import { InputError } from "../../util/errors.js";
import type { TraceIndex } from "../trace/access-index.js";
import { STACK_GROWTH_LIMIT, type MapEvent, type TraceDamage, type TraceHeader } from "../trace/format.js";
import { TraceReader, type AccessHeaderItem } from "../trace/reader.js";
import { releaseReplayDecoder, replayDecoder } from "./chunk-cache.js";
import { AccessChunkFile } from "../trace/chunk-file.js";

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
  /** Accesses in the largest of those chunks. */
  largestChunk: number;
  /** Bytes the first stack mapping must be extended downwards to hold every stack access. */
  stackGrowthBytes: number;
  damage: TraceDamage[];
  partial: boolean;
  /** True when the trace has no footer at all (cut short). */
  footerMissing: boolean;
  /** The footer's end reason, when it has one. */
  endReason: string | undefined;
  /** True when the summary came from the trace's access index (no access was decoded). */
  fromIndex: boolean;
}

/** Where the first stack mapping starts (NaN without one). */
function firstStackStart(events: readonly MapEvent[]): number {
  const ev = events.find((e) => e.kind === "stack" && e.type === "map");
  return ev === undefined ? NaN : ev.start;
}

/** Bytes from the page of the lowest stack access up to the stack mapping. */
function stackGrowth(stackStart: number, lowest: number): number {
  return lowest === Infinity ? 0 : stackStart - Math.floor(lowest / 4096) * 4096;
}

export function scanTrace(path: string): TraceScan {
  if (path !== "-" && !existsSync(path)) throw new InputError("no such trace file", path);
  if (path === "-")
    throw new InputError(
      "a replayed trace is read twice (a scan, then the replay): give a file, not -",
      "trace:-",
    );
  // A pipe cannot be read twice or by offset (ESPIPE, or a FIFO waiting for a second writer).
  const st = statSync(path);
  if (!st.isFile() && !st.isDirectory())
    throw new InputError(
      "is not a regular file (a pipe or device): a replay reads the trace twice and its chunks by offset; save it to a file first",
      path,
    );
  return scanWithIndex(path) ?? scanAccesses(path);
}

/**
 * The scan from the trace's access index, or undefined when the trace has no usable
 * one: damage, no footer, no index, or an index that differs from the chunk headers
 * (offsets, first indexes, counts) or cannot say how far the stack grew.
 */
function scanWithIndex(path: string): TraceScan | undefined {
  const r = TraceReader.open(path);
  try {
    const events: MapEvent[] = [];
    const heads: AccessHeaderItem[] = [];
    for (const item of r.skim()) {
      if (item.kind === "events") for (const ev of item.events) events.push(ev);
      else if (item.kind === "access-header") heads.push(item);
      else return undefined;
    }
    const ix = r.index;
    if (r.footer === undefined || ix === undefined || !matchesHeaders(ix, heads)) return undefined;
    if (ix.stackLowest === undefined) return undefined;
    if (!clocksMatch(path, ix, heads)) return undefined;
    const byTid = new Map<number, TraceThreadInfo>();
    let accesses = 0;
    ix.chunks.forEach((c, chunk) => {
      for (const [tid, n, firstAt] of c.threads) {
        let t = byTid.get(tid);
        if (t === undefined) {
          t = { tid, accesses: 0, firstIndex: c.firstIndex + firstAt, chunks: [] };
          byTid.set(tid, t);
        }
        t.accesses += n;
        t.chunks.push(chunk);
      }
      accesses += c.count;
    });
    if (accesses === 0) throw new InputError(`${path}: the trace has no accesses to replay`);
    const stackStart = firstStackStart(events);
    return {
      path,
      header: r.header,
      accesses,
      threads: [...byTid.values()],
      firstClock: ix.firstClock,
      lastClock: ix.lastClock,
      events,
      chunkOffsets: heads.map((h) => h.offset),
      largestChunk: heads.reduce((m, h) => Math.max(m, h.count), 0),
      stackGrowthBytes: ix.stackLowest === null ? 0 : stackGrowth(stackStart, ix.stackLowest),
      damage: [],
      partial: r.partial,
      footerMissing: false,
      endReason: r.footer.endReason,
      fromIndex: true,
    };
  } finally {
    r.close();
  }
}

/**
 * True when the index's first and last clocks are those of the first and last access
 * chunks: a replay times its threads from them, and a wrong one (which passes every
 * checksum) stalled it or replayed nothing. Two chunk decodes, which also find a
 * payload at either end that does not decode.
 */
function clocksMatch(path: string, ix: TraceIndex, heads: readonly AccessHeaderItem[]): boolean {
  if (heads.length === 0) return true;
  const file = new AccessChunkFile(path);
  // The replay's own decoder: JavaScript's, still cold this early in a run, took about
  // a twentieth of a replay of python-dict.dtrace on these two chunks.
  const decoder = replayDecoder();
  try {
    const first = file.read(heads[0].offset, decoder);
    if (first.clock[0] !== ix.firstClock) return false;
    const last = file.read(heads[heads.length - 1].offset, decoder);
    return last.clock[last.count - 1] === ix.lastClock;
  } catch {
    return false; // the scan by decoding reports it
  } finally {
    file.close();
    releaseReplayDecoder(decoder);
  }
}

/** True when the index lists exactly the access chunks the file holds (same payload checksums), none empty. */
function matchesHeaders(ix: TraceIndex, heads: readonly AccessHeaderItem[]): boolean {
  if (ix.chunks.length !== heads.length) return false;
  return heads.every((h, k) => {
    const c = ix.chunks[k];
    return (
      h.count > 0 &&
      c.offset === h.offset &&
      c.firstIndex === h.firstIndex &&
      c.count === h.count &&
      c.crc === h.crc
    );
  });
}

/** The scan by decoding every access (traces without a usable index). */
export function scanAccesses(path: string): TraceScan {
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
    let largestChunk = 0;
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
        largestChunk = Math.max(largestChunk, n);
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
    // A trace whose every chunk is damaged is reported as damaged (trace-replay.ts).
    if (accesses === 0 && r.damage.length === 0)
      throw new InputError(`${path}: the trace has no accesses to replay`);
    return {
      path,
      header: r.header,
      accesses,
      threads: [...byTid.values()],
      firstClock,
      lastClock,
      events,
      chunkOffsets,
      largestChunk,
      stackGrowthBytes: stackGrowth(stackStart, lowestStack),
      damage: [...r.damage],
      partial: r.partial,
      footerMissing: r.footer === undefined,
      endReason: r.footer?.endReason,
      fromIndex: false,
    };
  } finally {
    r.close();
  }
}
