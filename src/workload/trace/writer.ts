/**
 * Streaming trace writer: accesses are delta-encoded as they arrive (no per-access
 * allocation), cut into chunks, compressed and checksummed (docs/trace-format.md).
 */
import { crc32 } from "node:zlib";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AtomicFileWriter } from "../../util/atomic-write.js";
import { FormatError, UsageError } from "../../util/errors.js";
import {
  ACCESS_PRELUDE_BYTES,
  ADDRESS_LANES,
  ADDRESS_SLOTS,
  CHUNK_ACCESSES,
  CHUNK_EVENTS,
  CHUNK_FOOTER,
  CHUNK_INDEX,
  CLOCK_ESCAPE,
  DEFAULT_CHUNK_ACCESSES,
  FILE_MAGIC,
  FILE_PREFIX_BYTES,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  MAX_CHUNK_ACCESSES,
  MAX_EXACT,
  PAYLOAD_PAD,
  SIZE_CODES,
  SIZE_ESCAPE,
  type MapEvent,
  type TraceCodec,
  type TraceFooter,
  type TraceHeader,
} from "./format.js";
import { chunkThreads, StackLowTracker, type IndexChunk, type TraceIndex } from "./access-index.js";
import { frameChunk } from "./chunk-frame.js";

export interface TraceWriterOptions {
  /** Accesses per chunk (default 262,144). */
  chunkAccesses?: number;
  /** Chunk compression: "deflate" (default; fastest to read) or "brotli" (smaller). */
  codec?: TraceCodec;
  /** Compression level: deflate 1..9, brotli quality 1..11 (default 6 for both). */
  level?: number;
}

// Local copies of the format constants used per access: under a CommonJS-style loader
// (tsx) an imported binding is read through a getter on every use.
const SLOTS = ADDRESS_SLOTS;
const SIZE_ESC = SIZE_ESCAPE;
const CLOCK_ESC = CLOCK_ESCAPE;
const MAX_INT = MAX_EXACT;
const zigzag = (d: number): number => (d >= 0 ? d * 2 : -d * 2 - 1);
/** Size code of each size up to 64 bytes (-1: not a power of two we code, so escaped). */
const SIZE_CODE_OF = new Int8Array(65).fill(-1);
for (let c = 0; c < SIZE_CODES.length; c++) SIZE_CODE_OF[SIZE_CODES[c]] = c;

/** The header fields a caller supplies; format/version are filled in. */
export interface TraceHeaderInit {
  tool: TraceHeader["tool"];
  clockUnit: TraceHeader["clockUnit"];
  pageSize: number;
  command?: string[];
  startedAt?: string;
  notes?: string[];
  [key: string]: unknown;
}

/** What the caller says about how the capture ended. */
export interface TraceFinish {
  partial: boolean;
  endReason?: string;
  wallSeconds?: number;
  [key: string]: unknown;
}

/**
 * A jump farther than this from every slot (it would need a 7-byte delta) takes the
 * least recently used slot; anything nearer reuses the nearest slot (3 bytes or less).
 */
const SLOT_STEAL_DISTANCE = (1 << 23) - 1;

export class TraceWriter {
  private readonly chunkCap: number;
  private readonly level: number;
  private readonly codec: TraceCodec;
  // Per-chunk encoder state.
  private readonly ops: Uint8Array;
  private readonly clocks: Uint8Array;
  private deltas: Uint8Array;
  private dlen = 0;
  private readonly laneLen: number;
  private lane = 0;
  private readonly laneStart = new Uint32Array(ADDRESS_LANES + 1);
  private clockEsc: Uint8Array;
  private clen = 0;
  private readonly sizeEsc: Uint16Array;
  private slen = 0;
  private readonly tidRunStart: Uint32Array;
  private readonly tidRunTid: Int32Array;
  private nTidRuns = 0;
  private n = 0;
  private readonly base = new Float64Array(ADDRESS_SLOTS);
  private readonly lastUse = new Float64Array(ADDRESS_SLOTS);
  private chunkFirstClock = 0;
  private prevClock = 0;
  private curTid = Number.NaN;
  /** Access index in the chunk at which special() must run next (a lane start). */
  private nextSpecial = 0;
  // Whole-trace state.
  private total = 0;
  private firstClock = Number.NaN;
  private readonly threads = new Set<number>();
  private pendingEvents: MapEvent[] = [];
  private nEvents = 0;
  private bytesOut = 0;
  private finished = false;
  // The access index (access-index.ts), written before the footer.
  private readonly indexChunks: IndexChunk[] = [];
  private readonly stack = new StackLowTracker();
  /** The stack was mapped inside a chunk: the index cannot say how far it grew. */
  private stackUnknown = false;

  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    header: TraceHeaderInit,
    opts: TraceWriterOptions = {},
  ) {
    this.chunkCap = opts.chunkAccesses ?? DEFAULT_CHUNK_ACCESSES;
    if (!Number.isInteger(this.chunkCap) || this.chunkCap < 1 || this.chunkCap > MAX_CHUNK_ACCESSES)
      throw new RangeError(`chunkAccesses must be 1..${MAX_CHUNK_ACCESSES}`);
    this.level = opts.level ?? 6;
    this.codec = opts.codec ?? "deflate";
    const maxLevel = this.codec === "brotli" ? 11 : 9;
    if (!Number.isInteger(this.level) || this.level < 1 || this.level > maxLevel)
      throw new RangeError(`${this.codec} level must be 1..${maxLevel}`);
    this.laneLen = Math.ceil(this.chunkCap / ADDRESS_LANES);
    this.ops = new Uint8Array(this.chunkCap);
    this.clocks = new Uint8Array(this.chunkCap);
    this.deltas = new Uint8Array(this.chunkCap * 3 + 64);
    this.clockEsc = new Uint8Array(this.chunkCap + 64);
    this.sizeEsc = new Uint16Array(this.chunkCap);
    this.tidRunStart = new Uint32Array(this.chunkCap);
    this.tidRunTid = new Int32Array(this.chunkCap);
    const full: TraceHeader = {
      ...header,
      format: "damon-ts-trace",
      version: `${FORMAT_MAJOR}.${FORMAT_MINOR}`,
    };
    const json = Buffer.from(JSON.stringify(full));
    const pre = Buffer.alloc(FILE_PREFIX_BYTES);
    pre.write(FILE_MAGIC, 0, "latin1");
    pre.writeUInt16LE(FORMAT_MAJOR, 8);
    pre.writeUInt16LE(FORMAT_MINOR, 10);
    pre.writeUInt32LE(json.length, 12);
    pre.writeUInt32LE(crc32(json), 16);
    this.emit(pre);
    this.emit(json);
  }

  /** Accesses written so far. */
  get accessCount(): number {
    return this.total;
  }

  /** Compressed bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.bytesOut;
  }

  /** Records one access. `addr` and `clock` must be integers in [0, 2^52). */
  access(addr: number, size: number, isWrite: boolean | number, tid: number, clock: number): void {
    const n = this.n;
    // Rare bookkeeping (chunk start, thread switch, lane start) behind one predictable branch.
    if (n === this.nextSpecial || tid !== this.curTid) this.special(n, tid, clock);
    if (!(addr >= 0 && addr < MAX_INT) || Math.floor(addr) !== addr)
      throw new FormatError(`address ${addr} is not an integer in [0, 2^52)`);
    const st = this.stack;
    if (addr < st.start && addr >= st.floor && addr < st.lowest) st.lowest = addr;
    let op = size <= 64 ? SIZE_CODE_OF[size] : -1;
    if (op < 0) op = this.sizeEscape(size);
    if (isWrite) op |= 8;
    // Address: delta from the nearest of a few recent bases (stack, heap, globals interleave).
    const base = this.base;
    let best = 0;
    let bestDist = Math.abs(addr - base[0]);
    const d1 = Math.abs(addr - base[1]);
    if (d1 < bestDist) {
      bestDist = d1;
      best = 1;
    }
    const d2 = Math.abs(addr - base[2]);
    if (d2 < bestDist) {
      bestDist = d2;
      best = 2;
    }
    const d3 = Math.abs(addr - base[3]);
    if (d3 < bestDist) {
      bestDist = d3;
      best = 3;
    }
    if (bestDist > SLOT_STEAL_DISTANCE) best = this.leastRecentSlot();
    this.lastUse[best] = this.total + 1;
    const delta = addr - base[best];
    const z = delta >= 0 ? delta * 2 : -delta * 2 - 1;
    base[best] = addr;
    if (z < 256 && this.dlen + 8 <= this.deltas.length) this.deltas[this.dlen++] = z;
    else op |= this.writeDelta(z) << 6;
    this.ops[n] = op | (best << 4);
    // Clock: one byte per access, rare escapes for big or backward steps.
    const dc = clock - this.prevClock;
    if (dc >= 0 && dc < CLOCK_ESC && (dc | 0) === dc) this.clocks[n] = dc;
    else this.clockEscape(n, clock, dc);
    this.prevClock = clock;
    this.n = n + 1;
    this.total++;
    if (n + 1 === this.chunkCap) this.flushAccesses();
  }

  private special(n: number, tid: number, clock: number): void {
    if (n === 0) {
      if (!(clock >= 0 && clock < MAX_INT) || Math.floor(clock) !== clock)
        throw new FormatError(`clock ${clock} is not an integer in [0, 2^52)`);
      this.chunkFirstClock = this.total === 0 ? clock : this.prevClock;
      this.prevClock = this.chunkFirstClock;
      if (this.total === 0) this.firstClock = clock;
    }
    if (tid !== this.curTid || n === 0) {
      // Thread ids are stored as int32: refuse rather than truncate.
      if ((tid | 0) !== tid) throw new FormatError(`thread id ${tid} is not a 32-bit integer`);
      if (tid !== this.curTid) this.threads.add(tid);
      this.curTid = tid;
      this.tidRunStart[this.nTidRuns] = n;
      this.tidRunTid[this.nTidRuns] = tid;
      this.nTidRuns++;
    }
    if (n === this.laneLen * (this.lane + 1)) {
      // Next lane: fresh address coder state, so lanes decode independently.
      this.lane++;
      this.laneStart[this.lane] = this.dlen;
      this.base.fill(0);
      this.lastUse.fill(0);
    }
    this.nextSpecial = this.laneLen * (this.lane + 1);
  }

  private sizeEscape(size: number): number {
    if (!(size >= 0 && size <= 0xffff && Number.isInteger(size)))
      throw new FormatError(`access size ${size} out of range 0..65535`);
    this.sizeEsc[this.slen++] = size;
    return SIZE_ESC;
  }

  private leastRecentSlot(): number {
    const lu = this.lastUse;
    let best = 0;
    for (let s = 1; s < SLOTS; s++) if (lu[s] < lu[best]) best = s;
    return best;
  }

  private clockEscape(n: number, clock: number, dc: number): void {
    if (!(clock >= 0 && clock < MAX_INT) || !Number.isInteger(clock))
      throw new FormatError(`clock ${clock} is not an integer in [0, 2^52)`);
    this.clocks[n] = CLOCK_ESC;
    this.writeClockEscape(zigzag(dc));
  }

  /** Records a memory-map change; it takes effect before the next access. */
  event(ev: Omit<MapEvent, "index"> & { index?: number }): void {
    this.pendingEvents.push({ ...ev, index: ev.index ?? this.total });
    this.nEvents++;
    // A reader applies it from the chunk written after it, which already has n accesses.
    if (this.stack.event(ev) && this.n > 0) this.stackUnknown = true;
    if (this.pendingEvents.length >= 4096) this.flushEvents();
  }

  /** Flushes everything and writes the footer. Returns the footer written. */
  finish(how: TraceFinish): TraceFooter {
    if (this.finished) throw new Error("trace writer already finished");
    this.flushAccesses();
    this.flushEvents();
    const index: TraceIndex = {
      chunks: this.indexChunks,
      firstClock: this.total > 0 ? this.firstClock : 0,
      lastClock: this.total > 0 ? this.prevClock : 0,
    };
    if (!this.stackUnknown) index.stackLowest = this.stack.value;
    this.writeChunk(CHUNK_INDEX, this.indexChunks.length, Buffer.from(JSON.stringify(index)), this.total);
    const footer: TraceFooter = {
      ...how,
      accesses: this.total,
      events: this.nEvents,
      threads: [...this.threads].sort((a, b) => a - b),
      firstClock: this.total > 0 ? this.firstClock : 0,
      lastClock: this.total > 0 ? this.prevClock : 0,
    };
    this.writeChunk(CHUNK_FOOTER, 1, Buffer.from(JSON.stringify(footer)), this.total);
    this.finished = true;
    return footer;
  }

  /** Writes a zigzag delta as 1, 2, 3 or 7 little-endian bytes; returns the length code. */
  private writeDelta(z: number): number {
    if (this.dlen + 8 > this.deltas.length) {
      const bigger = new Uint8Array(this.deltas.length * 2);
      bigger.set(this.deltas);
      this.deltas = bigger;
    }
    const d = this.deltas;
    let p = this.dlen;
    let code: number;
    if (z < 0x100) {
      d[p++] = z;
      code = 0;
    } else if (z < 0x10000) {
      d[p++] = z & 255;
      d[p++] = z >>> 8;
      code = 1;
    } else if (z < 0x1000000) {
      d[p++] = z & 255;
      d[p++] = (z >>> 8) & 255;
      d[p++] = z >>> 16;
      code = 2;
    } else {
      for (let k = 0; k < 7; k++) {
        d[p++] = z % 256;
        z = Math.floor(z / 256);
      }
      code = 3;
    }
    this.dlen = p;
    return code;
  }

  private writeClockEscape(v: number): void {
    if (this.clen + 10 > this.clockEsc.length) {
      const bigger = new Uint8Array(this.clockEsc.length * 2);
      bigger.set(this.clockEsc);
      this.clockEsc = bigger;
    }
    const buf = this.clockEsc;
    let p = this.clen;
    while (v >= 128) {
      buf[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[p++] = v;
    this.clen = p;
  }

  private flushEvents(): void {
    if (this.pendingEvents.length === 0) return;
    const evs = this.pendingEvents;
    this.pendingEvents = [];
    this.writeChunk(CHUNK_EVENTS, evs.length, Buffer.from(JSON.stringify(evs)), evs[0].index);
  }

  private flushAccesses(): void {
    // Map events that happened before or inside this chunk go first.
    this.flushEvents();
    const n = this.n;
    if (n === 0) return;
    const tidBytes = this.nTidRuns * 8;
    const len = ACCESS_PRELUDE_BYTES + tidBytes + 2 * n + this.dlen + this.clen + this.slen * 2 + PAYLOAD_PAD;
    const payload = Buffer.alloc(len);
    payload.writeUInt32LE(n, 0);
    payload.writeUInt32LE(this.nTidRuns, 4);
    payload.writeUInt32LE(this.laneLen, 8);
    payload.writeUInt32LE(this.clen, 12);
    payload.writeUInt32LE(this.slen, 16);
    for (let k = this.lane + 1; k <= ADDRESS_LANES; k++) this.laneStart[k] = this.dlen;
    for (let k = 0; k < ADDRESS_LANES; k++)
      payload.writeUInt32LE(this.laneStart[k + 1] - this.laneStart[k], 20 + 4 * k);
    payload.writeDoubleLE(this.chunkFirstClock, 40);
    let p = ACCESS_PRELUDE_BYTES;
    for (let i = 0; i < this.nTidRuns; i++) {
      payload.writeUInt32LE(this.tidRunStart[i], p);
      payload.writeInt32LE(this.tidRunTid[i], p + 4);
      p += 8;
    }
    payload.set(this.ops.subarray(0, n), p);
    p += n;
    payload.set(this.clocks.subarray(0, n), p);
    p += n;
    payload.set(this.deltas.subarray(0, this.dlen), p);
    p += this.dlen;
    payload.set(this.clockEsc.subarray(0, this.clen), p);
    p += this.clen;
    for (let i = 0; i < this.slen; i++, p += 2) payload.writeUInt16LE(this.sizeEsc[i], p);
    const [h, comp] = frameChunk(CHUNK_ACCESSES, n, payload, this.total - n, this.codec, this.level);
    this.indexChunks.push({
      offset: this.bytesOut,
      firstIndex: this.total - n,
      count: n,
      crc: h.readUInt32LE(20),
      threads: chunkThreads(this.tidRunStart, this.tidRunTid, this.nTidRuns, n),
    });
    this.emit(h);
    this.emit(comp);
    // Every chunk decodes on its own: reset the coder.
    this.n = 0;
    this.dlen = 0;
    this.clen = 0;
    this.slen = 0;
    this.nTidRuns = 0;
    this.nextSpecial = 0;
    this.lane = 0;
    this.laneStart.fill(0);
    this.base.fill(0);
    this.lastUse.fill(0);
  }

  private writeChunk(type: number, count: number, raw: Uint8Array, firstIndex: number): void {
    const [h, comp] = frameChunk(type, count, raw, firstIndex, this.codec, this.level);
    this.emit(h);
    this.emit(comp);
  }

  private emit(b: Uint8Array): void {
    this.bytesOut += b.length;
    this.sink(b);
  }
}

/** A trace file being written: commit() renames it into place, abort() removes it. */
export interface TraceFileWriter {
  writer: TraceWriter;
  commit(how: TraceFinish): TraceFooter;
  abort(): void;
}

/** Opens `path` for an atomic streamed write (temporary name, renamed on commit). */
export function createTraceFile(
  path: string,
  header: TraceHeaderInit,
  opts: TraceWriterOptions = {},
): TraceFileWriter {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new UsageError(`cannot write ${path}: folder ${dir} does not exist`);
  const file = new AtomicFileWriter(path);
  // Coalesce small writes: chunk headers are 36 bytes.
  const pend: Uint8Array[] = [];
  let pendBytes = 0;
  const drain = (): void => {
    if (pendBytes === 0) return;
    file.write(pend.length === 1 ? pend[0] : Buffer.concat(pend));
    pend.length = 0;
    pendBytes = 0;
  };
  let writer: TraceWriter;
  try {
    writer = new TraceWriter(
      (b) => {
        pend.push(b);
        pendBytes += b.length;
        if (pendBytes >= 1 << 20) drain();
      },
      header,
      opts,
    );
  } catch (e) {
    file.abort();
    throw e;
  }
  return {
    writer,
    commit(how) {
      const footer = writer.finish(how);
      drain();
      file.commit();
      return footer;
    },
    abort() {
      file.abort();
    },
  };
}
