/**
 * The memory a replay's main thread and its decode-ahead worker share
 * (decode-ahead.ts, decode-ahead-thread.ts): a control block, and a few slots that
 * each hold one decoded access chunk. Everything is a SharedArrayBuffer made by
 * the main thread for one replay, so no message crosses the threads while the
 * replay runs: the simulation is synchronous and never returns to its event loop.
 */
import type { AccessChunk } from "../trace/access-decode.js";
import { DEFAULT_CHUNK_ACCESSES } from "../trace/format.js";

/** Slots per replay: enough for the one or two chunks the threads are in and two ahead. */
export const DECODE_AHEAD_SLOTS = 4;
/** Accesses a slot holds (the writer's chunk size); a larger chunk is decoded on the main thread. */
export const SLOT_ACCESSES = DEFAULT_CHUNK_ACCESSES;

/** Int32 fields of the control block. */
export const CTL = {
  /** 1: the main thread wants no more chunks (the worker ends the job). */
  STOP: 0,
  /** Sequence number (loop × chunks + chunk) the worker is at. */
  NEXT: 1,
  /** Sequence number the worker is decoding into a slot, or −1. */
  BUSY: 2,
  /** Chunks published (the main thread waits on it). */
  PRODUCED: 3,
  /** Slots handed back, and STOP (the worker waits on it). */
  RETURNED: 4,
  /** Bumped at every chunk the main thread asks for: a worker whose main thread went quiet gives up. */
  BEAT: 5,
  /** 1 once the worker has left the job. */
  DONE: 6,
} as const;
export const CTL_FIELDS = 7;

/** Float64 fields of a slot's description. */
export const META = {
  SEQ: 0,
  COUNT: 1,
  RUNS: 2,
  ASCEND: 3,
  FIRST_INDEX: 4,
  OFFSET: 5,
  /** 0: decoded; 1: not (too large, or the chunk does not read or decode): the main thread decodes it, and says why if it fails. */
  STATUS: 6,
} as const;
export const META_FIELDS = 7;

/** Slot state (Int32 per slot): free for the worker, or holding a chunk for the main thread. */
export const SLOT_FREE = 0;
export const SLOT_FILLED = 1;

/** Bytes of a slot holding `cap` accesses: clocks and addresses, run starts and threads, write flags. */
export function slotBytes(cap: number): number {
  return 25 * cap + 4;
}

/** The typed views of a slot's arrays (addresses first: every view stays aligned). */
export interface SlotViews {
  addr: Float64Array;
  clock: Float64Array;
  runStart: Int32Array;
  runTid: Int32Array;
  isWrite: Uint8Array;
}

export function slotViews(buf: SharedArrayBuffer, cap: number): SlotViews {
  return {
    addr: new Float64Array(buf, 0, cap),
    clock: new Float64Array(buf, 8 * cap, cap),
    runStart: new Int32Array(buf, 16 * cap, cap + 1),
    runTid: new Int32Array(buf, 20 * cap + 4, cap),
    isWrite: new Uint8Array(buf, 24 * cap + 4, cap),
  };
}

/** An AccessChunk over a slot's views (a lean chunk: no sizes or per-access thread ids). */
export function slotChunk(v: SlotViews): AccessChunk {
  return {
    kind: "accesses",
    offset: 0,
    firstIndex: 0,
    count: 0,
    addr: v.addr,
    size: new Uint16Array(0),
    isWrite: v.isWrite,
    tid: new Int32Array(0),
    clock: v.clock,
    runs: 0,
    runStart: v.runStart,
    runTid: v.runTid,
    clocksAscend: true,
  };
}

/** What the worker gets for one replay. */
export interface DecodeAheadJob {
  path: string;
  /** File offset of every access chunk (TraceScan.chunkOffsets). */
  offsets: number[];
  loops: number;
  cap: number;
  ctl: SharedArrayBuffer;
  /** Int32 per slot: SLOT_FREE or SLOT_FILLED. */
  state: SharedArrayBuffer;
  /** META_FIELDS float64 per slot. */
  meta: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
  /** Int32 per chunk: 1 + the last loop the main thread has the chunk for (the worker skips it). */
  obtained: SharedArrayBuffer;
}
