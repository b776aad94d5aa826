/**
 * The access index (chunk type 4, format 1.1): per access chunk its threads, and
 * for the whole trace its clock range and how far below the initial stack mapping
 * it reached. That is everything a replay must know before its first access, so a
 * replay that finds an index matching the file's chunk headers does not inflate
 * and decode every access twice (docs/replay.md). The writer builds it as it goes;
 * `indexOfTrace` rebuilds it from a full read (to add one to a 1.0 trace).
 */
import type { AccessChunk } from "./access-decode.js";
import { STACK_GROWTH_LIMIT, type MapEvent } from "./format.js";
import { isTraceInteger } from "./validate.js";

/** One thread's part of a chunk: thread id, its accesses there, index (in the chunk) of its first. */
export type IndexThread = [tid: number, accesses: number, firstAt: number];

export interface IndexChunk {
  /**
   * File offset of the access chunk, its first global index, its access count and
   * the CRC-32 of its stored payload (as its header says): a chunk rewritten since
   * the index was written does not match.
   */
  offset: number;
  firstIndex: number;
  count: number;
  crc: number;
  /** Threads with accesses in the chunk, in order of their first access there. */
  threads: IndexThread[];
}

export interface TraceIndex {
  chunks: IndexChunk[];
  /** Clock of the first and of the last access. */
  firstClock: number;
  lastClock: number;
  /**
   * Lowest address accessed in the STACK_GROWTH_LIMIT bytes below the start of the
   * first `stack` map event, counting the accesses of every chunk written after that
   * event; null when there is none. Absent when the writer could not tell (the stack
   * was mapped inside a chunk): a reader then decodes the accesses.
   */
  stackLowest?: number | null;
}

/** The threads of a chunk from its runs (AccessChunk.runStart/runTid, or the writer's). */
export function chunkThreads(
  runStart: ArrayLike<number>,
  runTid: ArrayLike<number>,
  runs: number,
  count: number,
): IndexThread[] {
  const out: IndexThread[] = [];
  for (let r = 0; r < runs; r++) {
    const from = runStart[r];
    const to = r + 1 < runs ? runStart[r + 1] : count;
    if (to === from) continue;
    const tid = runTid[r];
    let t = out.find((x) => x[0] === tid);
    if (t === undefined) {
      t = [tid, 0, from];
      out.push(t);
    }
    t[1] += to - from;
  }
  return out;
}

/** Tracks the lowest access below the initial stack mapping, as the index defines it. */
export class StackLowTracker {
  /** Start of the first stack mapping (NaN until one is mapped). */
  start = NaN;
  floor = NaN;
  lowest = Infinity;

  /** True when `ev` is the first stack map event: accesses from the next chunk on count. */
  event(ev: MapEvent | Omit<MapEvent, "index">): boolean {
    if (ev.kind !== "stack" || ev.type !== "map" || !Number.isNaN(this.start)) return false;
    this.start = ev.start;
    this.floor = ev.start - STACK_GROWTH_LIMIT;
    return true;
  }

  chunk(addr: Float64Array, n: number): void {
    const { start, floor } = this;
    let low = this.lowest;
    for (let i = 0; i < n; i++) {
      const a = addr[i];
      if (a < start && a >= floor && a < low) low = a;
    }
    this.lowest = low;
  }

  get value(): number | null {
    return this.lowest === Infinity ? null : this.lowest;
  }
}

const isInt32 = (v: unknown): v is number => typeof v === "number" && (v | 0) === v;

/**
 * The parsed payload of an index chunk when every field is well formed, else
 * undefined: the index only speeds reading up, so a bad one is ignored (the reader
 * falls back to decoding), never an error.
 */
export function validTraceIndex(x: unknown): TraceIndex | undefined {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return undefined;
  const ix = x as Record<string, unknown>;
  // Clocks as the format has them (integers in [0, 2^52)): a replay times its threads from them.
  if (!Array.isArray(ix.chunks) || !isTraceInteger(ix.firstClock) || !isTraceInteger(ix.lastClock))
    return undefined;
  if (ix.stackLowest !== undefined && ix.stackLowest !== null && !isTraceInteger(ix.stackLowest))
    return undefined;
  for (const c of ix.chunks as unknown[]) {
    if (typeof c !== "object" || c === null) return undefined;
    const { offset, firstIndex, count, crc, threads } = c as Record<string, unknown>;
    if (!isTraceInteger(offset) || !isTraceInteger(firstIndex) || !isTraceInteger(count)) return undefined;
    if (!isTraceInteger(crc) || crc >= 2 ** 32) return undefined;
    if (!Array.isArray(threads)) return undefined;
    let sum = 0;
    for (const t of threads as unknown[]) {
      if (!Array.isArray(t) || t.length !== 3 || !isInt32(t[0])) return undefined;
      const [, accesses, firstAt] = t as unknown[];
      if (!isTraceInteger(accesses) || !isTraceInteger(firstAt) || accesses < 1 || firstAt >= count)
        return undefined;
      sum += accesses;
    }
    if (sum !== count) return undefined;
  }
  return x as TraceIndex;
}

/**
 * Builds the index of a trace from its decoded items (TraceReader order), as the
 * writer would have: for adding one to a trace written without it.
 */
export class IndexBuilder {
  private readonly chunks: IndexChunk[] = [];
  private readonly stack = new StackLowTracker();
  private firstClock = NaN;
  private lastClock = NaN;

  events(evs: readonly MapEvent[]): void {
    for (const ev of evs) this.stack.event(ev);
  }

  /** An access chunk as read, and the payload CRC of its header. */
  accesses(c: AccessChunk, crc: number): void {
    if (c.count === 0) return;
    if (Number.isNaN(this.firstClock)) this.firstClock = c.clock[0];
    this.lastClock = c.clock[c.count - 1];
    this.stack.chunk(c.addr, c.count);
    this.chunks.push({
      offset: c.offset,
      firstIndex: c.firstIndex,
      count: c.count,
      crc,
      threads: chunkThreads(c.runStart, c.runTid, c.runs, c.count),
    });
  }

  finish(): TraceIndex {
    return {
      chunks: this.chunks,
      firstClock: Number.isNaN(this.firstClock) ? 0 : this.firstClock,
      lastClock: Number.isNaN(this.lastClock) ? 0 : this.lastClock,
      stackLowest: this.stack.value,
    };
  }
}
