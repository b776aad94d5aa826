/**
 * Streaming trace reader. Yields access chunks as typed arrays (reused between
 * chunks: no per-access allocation), memory-map events, and damage reports for
 * chunks that fail their checksum; reading continues after damage.
 * Independent of the simulator: consumers copy what they need out of each chunk.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { brotliDecompressSync, crc32, inflateRawSync } from "node:zlib";
import { TraceWriter } from "./writer.js";
import { FormatError } from "../../util/errors.js";
import { validateMapEvent, validateTraceFooter, validateTraceHeader } from "./validate.js";
import {
  ACCESS_PRELUDE_BYTES,
  ADDRESS_LANES,
  CHUNK_ACCESSES,
  CHUNK_EVENTS,
  CHUNK_FOOTER,
  CHUNK_HEADER_BYTES,
  CHUNK_MAGIC,
  CODEC_BROTLI,
  CODEC_DEFLATE_RAW,
  CODEC_NONE,
  FILE_MAGIC,
  FILE_PREFIX_BYTES,
  FORMAT_MAJOR,
  MAX_CHUNK_ACCESSES,
  MAX_CHUNK_BYTES,
  PAYLOAD_PAD,
  SIZE_ESCAPE,
  CLOCK_ESCAPE,
  DELTA_BYTES,
  type MapEvent,
  type TraceDamage,
  type TraceFooter,
  type TraceHeader,
} from "./format.js";

/**
 * One chunk of accesses. The arrays are owned by the reader and overwritten by the
 * next chunk; entries [0, count) are valid. `addr` and `clock` hold exact integers.
 */
export interface AccessChunk {
  kind: "accesses";
  /** Byte offset of the chunk in the file. */
  offset: number;
  /** Global index of the first access in this chunk. */
  firstIndex: number;
  count: number;
  addr: Float64Array;
  size: Uint16Array;
  /** 1 for a write, 0 for a read. */
  isWrite: Uint8Array;
  tid: Int32Array;
  clock: Float64Array;
}

export interface EventsItem {
  kind: "events";
  offset: number;
  events: MapEvent[];
}

export interface DamageItem {
  kind: "damage";
  damage: TraceDamage;
}

export type TraceItem = AccessChunk | EventsItem | DamageItem;

/** Where the reader gets bytes: a file descriptor (file or pipe) or a buffer. */
interface ByteSource {
  read(into: Uint8Array, off: number, len: number): number;
  close(): void;
}

const READ_BLOCK = 4 << 20;
const MAGIC_BYTES = Buffer.from("DTCK", "latin1");

export class TraceReader implements Iterable<TraceItem> {
  readonly header: TraceHeader;
  /** Set once the footer chunk has been read. */
  footer: TraceFooter | undefined;
  /** Every damaged stretch met so far (also yielded as `damage` items). */
  readonly damage: TraceDamage[] = [];
  private buf: Uint8Array = new Uint8Array(READ_BLOCK);
  private start = 0; // first unread byte in buf
  private end = 0; // end of valid bytes in buf
  private fileOffset = 0; // file offset of buf[0]
  private eof = false;
  private expectedIndex = 0;
  private readonly chunk: AccessChunk;
  private readonly laneAt = new Float64Array(ADDRESS_LANES + 1);
  private readonly state = new Float64Array(3);
  private size32: Uint32Array = new Uint32Array(0);
  private isWrite32: Uint32Array = new Uint32Array(0);
  private iterated = false;

  private constructor(
    private readonly src: ByteSource,
    private readonly name: string,
  ) {
    this.chunk = {
      kind: "accesses",
      offset: 0,
      firstIndex: 0,
      count: 0,
      addr: new Float64Array(0),
      size: new Uint16Array(0),
      isWrite: new Uint8Array(0),
      tid: new Int32Array(0),
      clock: new Float64Array(0),
    };
    warmUp();
    this.header = this.readHeader();
  }

  /** Opens a trace file (or `-` for standard input) and reads its header. */
  static open(path: string): TraceReader {
    const fd = path === "-" ? 0 : openSync(path, "r");
    const src: ByteSource = {
      read: (into, off, len) => {
        for (;;) {
          try {
            return readSync(fd, into, off, len, null);
          } catch (e) {
            // A non-blocking stdin pipe: wait for data rather than fail.
            if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
            throw e;
          }
        }
      },
      close: () => {
        if (fd !== 0) closeSync(fd);
      },
    };
    try {
      return new TraceReader(src, path);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Reads a trace held in memory. */
  static fromBytes(bytes: Uint8Array, name = "<buffer>"): TraceReader {
    let pos = 0;
    return new TraceReader(
      {
        read(into, off, len) {
          const n = Math.min(len, bytes.length - pos);
          into.set(bytes.subarray(pos, pos + n), off);
          pos += n;
          return n;
        },
        close() {},
      },
      name,
    );
  }

  close(): void {
    this.src.close();
  }

  /** Bytes taken from the source so far (the whole file once iteration has finished). */
  get bytesRead(): number {
    return this.fileOffset + this.end;
  }

  /** True when the trace has no footer (cut short) or the footer says it is partial. */
  get partial(): boolean {
    return this.footer === undefined || this.footer.partial;
  }

  [Symbol.iterator](): Iterator<TraceItem> {
    if (this.iterated) throw new Error("a TraceReader can be iterated once");
    this.iterated = true;
    return this.items();
  }

  /** Ensures `n` bytes are buffered from `start`; false at end of input. */
  private fill(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(this.start, this.end));
      this.fileOffset += this.start;
      this.end -= this.start;
      this.start = 0;
      this.buf = bigger;
    } else if (this.start + n > this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end);
      this.fileOffset += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end - this.start < n && !this.eof) {
      const got = this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end - this.start >= n;
  }

  private readHeader(): TraceHeader {
    if (!this.fill(FILE_PREFIX_BYTES)) throw new FormatError("too short to be a damon-ts trace", this.name);
    const b = this.buf;
    const magic = Buffer.from(b.buffer, b.byteOffset, 8).toString("latin1");
    if (magic !== FILE_MAGIC)
      throw new FormatError(`not a damon-ts trace (magic ${JSON.stringify(magic)} at offset 0)`, this.name);
    const dv = new DataView(b.buffer, b.byteOffset);
    const major = dv.getUint16(8, true);
    if (major !== FORMAT_MAJOR)
      throw new FormatError(
        `trace format version ${major} is not supported (this reader reads ${FORMAT_MAJOR}.x)`,
        this.name,
      );
    const jsonLen = dv.getUint32(12, true);
    const jsonCrc = dv.getUint32(16, true);
    if (jsonLen > 1 << 24 || !this.fill(FILE_PREFIX_BYTES + jsonLen))
      throw new FormatError("trace header is truncated", `${this.name}:offset 12`);
    const json = this.buf.subarray(FILE_PREFIX_BYTES, FILE_PREFIX_BYTES + jsonLen);
    if (crc32(json) !== jsonCrc)
      throw new FormatError("trace header checksum mismatch", `${this.name}:offset ${FILE_PREFIX_BYTES}`);
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(json).toString("utf8"));
    } catch {
      throw new FormatError("trace header is not valid JSON", `${this.name}:offset ${FILE_PREFIX_BYTES}`);
    }
    this.start = FILE_PREFIX_BYTES + jsonLen;
    return validateTraceHeader(header, `${this.name}:offset ${FILE_PREFIX_BYTES}`);
  }

  private *items(): Generator<TraceItem> {
    let damageStart = -1;
    for (;;) {
      if (!this.fill(CHUNK_HEADER_BYTES)) {
        if (this.end > this.start) {
          const off = this.fileOffset + this.start;
          yield this.report(
            damageStart >= 0 ? damageStart : off,
            this.fileOffset + this.end,
            "truncated chunk at end of file",
          );
        } else if (damageStart >= 0) {
          yield this.report(damageStart, this.fileOffset + this.end, "unreadable bytes up to end of file");
        }
        return;
      }
      const off = this.fileOffset + this.start;
      const h = this.parseChunkHeader();
      if (!h) {
        // Not a valid chunk header here: skip to the next chunk magic (keeping the
        // last 3 bytes when there is none, as a magic may straddle the buffer end).
        if (damageStart < 0) damageStart = off;
        const hay = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.end);
        const next = hay.indexOf(MAGIC_BYTES, this.start + 1);
        this.start = next >= 0 ? next : Math.max(this.start + 1, this.end - 3);
        continue;
      }
      if (!this.fill(CHUNK_HEADER_BYTES + h.compLen)) {
        yield this.report(
          damageStart >= 0 ? damageStart : off,
          this.fileOffset + this.end,
          "truncated chunk at end of file",
        );
        this.start = this.end;
        return;
      }
      if (damageStart >= 0) {
        const lost =
          h.type === CHUNK_ACCESSES || h.type === CHUNK_FOOTER
            ? h.firstIndex - this.expectedIndex
            : undefined;
        yield this.report(damageStart, off, "damaged bytes (no valid chunk header)", lost);
        damageStart = -1;
        if (lost !== undefined && lost > 0) this.expectedIndex = h.firstIndex;
      }
      const payloadAt = this.start + CHUNK_HEADER_BYTES;
      const comp = this.buf.subarray(payloadAt, payloadAt + h.compLen);
      this.start = payloadAt + h.compLen;
      if (crc32(comp) !== h.crc) {
        yield this.report(
          off,
          CHUNK_HEADER_BYTES + h.compLen,
          `chunk checksum mismatch (type ${h.type})`,
          h.type === CHUNK_ACCESSES ? h.count : undefined,
          true,
        );
        if (h.type === CHUNK_ACCESSES) this.expectedIndex = h.firstIndex + h.count;
        continue;
      }
      let raw: Uint8Array;
      try {
        // The header's raw length bounds the inflation itself (maxOutputLength), so a
        // small chunk that inflates to gigabytes stops at rawLen (<= MAX_CHUNK_BYTES).
        const zopts = { chunkSize: Math.max(h.rawLen, 64), maxOutputLength: Math.max(h.rawLen, 1) };
        raw =
          h.codec === CODEC_NONE
            ? comp
            : h.codec === CODEC_BROTLI
              ? brotliDecompressSync(comp, zopts)
              : inflateRawSync(comp, zopts);
        if (raw.length !== h.rawLen) throw new Error("length mismatch");
      } catch {
        yield this.report(
          off,
          CHUNK_HEADER_BYTES + h.compLen,
          "chunk does not decompress",
          h.type === CHUNK_ACCESSES ? h.count : undefined,
          true,
        );
        continue;
      }
      if (h.type === CHUNK_ACCESSES) {
        if (h.firstIndex > this.expectedIndex) {
          // A chunk vanished without leaving bytes (e.g. cut out): say so.
          yield this.report(
            off,
            0,
            `accesses ${this.expectedIndex}..${h.firstIndex - 1} are missing before this chunk`,
            h.firstIndex - this.expectedIndex,
            true,
          );
        }
        const msg = this.decodeAccesses(raw, h.count);
        if (msg) {
          yield this.report(off, CHUNK_HEADER_BYTES + h.compLen, msg, h.count, true);
          this.expectedIndex = h.firstIndex + h.count;
          continue;
        }
        this.chunk.offset = off;
        this.chunk.firstIndex = h.firstIndex;
        this.expectedIndex = h.firstIndex + h.count;
        yield this.chunk;
      } else if (h.type === CHUNK_EVENTS) {
        const events = this.parseJson<unknown>(raw);
        if (!Array.isArray(events)) {
          yield this.report(
            off,
            CHUNK_HEADER_BYTES + h.compLen,
            "events chunk is not a JSON array",
            undefined,
            true,
          );
          continue;
        }
        for (let k = 0; k < events.length; k++)
          validateMapEvent(events[k], `${this.name}:offset ${off} (events chunk), event ${k}`);
        yield { kind: "events", offset: off, events: events as MapEvent[] };
      } else if (h.type === CHUNK_FOOTER) {
        const footer = this.parseJson<unknown>(raw);
        if (footer === undefined || typeof footer !== "object" || footer === null || Array.isArray(footer)) {
          yield this.report(
            off,
            CHUNK_HEADER_BYTES + h.compLen,
            "footer is not a JSON object",
            undefined,
            true,
          );
          continue;
        }
        this.footer = validateTraceFooter(footer, `${this.name}:offset ${off} (footer)`);
      }
      // Unknown chunk types are skipped: later minor versions may add some.
    }
  }

  private report(
    offset: number,
    endOrLen: number,
    message: string,
    lost?: number,
    isLength = false,
  ): DamageItem {
    const skipped = isLength ? endOrLen : endOrLen - offset;
    const damage: TraceDamage = { offset, skippedBytes: skipped, message };
    if (lost !== undefined && lost > 0) damage.lostAccesses = lost;
    this.damage.push(damage);
    return { kind: "damage", damage };
  }

  private parseJson<T>(raw: Uint8Array): T | undefined {
    try {
      return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString("utf8")) as T;
    } catch {
      return undefined;
    }
  }

  private parseChunkHeader():
    | {
        type: number;
        codec: number;
        count: number;
        rawLen: number;
        compLen: number;
        crc: number;
        firstIndex: number;
      }
    | undefined {
    const b = this.buf;
    const s = this.start;
    const dv = new DataView(b.buffer, b.byteOffset + s, CHUNK_HEADER_BYTES);
    if (dv.getUint32(0, true) !== CHUNK_MAGIC) return undefined;
    if (crc32(b.subarray(s, s + 32)) !== dv.getUint32(32, true)) return undefined;
    const h = {
      type: dv.getUint8(4),
      codec: dv.getUint8(5),
      count: dv.getUint32(8, true),
      rawLen: dv.getUint32(12, true),
      compLen: dv.getUint32(16, true),
      crc: dv.getUint32(20, true),
      firstIndex: dv.getFloat64(24, true),
    };
    if (h.codec !== CODEC_NONE && h.codec !== CODEC_DEFLATE_RAW && h.codec !== CODEC_BROTLI) return undefined;
    if (h.compLen > MAX_CHUNK_BYTES || h.rawLen > MAX_CHUNK_BYTES) return undefined;
    if (h.type === CHUNK_ACCESSES && h.count > MAX_CHUNK_ACCESSES) return undefined;
    return h;
  }

  /** Decodes an access payload into the shared chunk arrays; returns an error message or "". */
  private decodeAccesses(raw: Uint8Array, count: number): string {
    if (raw.length < ACCESS_PRELUDE_BYTES + PAYLOAD_PAD) return "access chunk too short";
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const n = dv.getUint32(0, true);
    const nRuns = dv.getUint32(4, true);
    const laneLen = dv.getUint32(8, true);
    const cLen = dv.getUint32(12, true);
    const sCount = dv.getUint32(16, true);
    const lanes = this.laneAt;
    let dLen = 0;
    for (let k = 0; k < ADDRESS_LANES; k++) {
      lanes[k] = dLen;
      dLen += dv.getUint32(20 + 4 * k, true);
    }
    lanes[ADDRESS_LANES] = dLen;
    const clk = dv.getFloat64(40, true);
    const runsAt = ACCESS_PRELUDE_BYTES;
    const opsAt = runsAt + nRuns * 8;
    const clkAt = opsAt + n;
    const dAt = clkAt + n;
    const cAt = dAt + dLen;
    const sAt = cAt + cLen;
    if (
      n !== count ||
      nRuns < 1 ||
      nRuns > n ||
      laneLen * ADDRESS_LANES < n ||
      sAt + sCount * 2 + PAYLOAD_PAD !== raw.length
    )
      return "access chunk layout is inconsistent";
    for (let k = 0; k <= ADDRESS_LANES; k++) lanes[k] += dAt;
    const c = this.chunk;
    if (c.addr.length < n) {
      // Capacity a multiple of 4 so sizes and write flags can be stored 4 bytes at a time.
      const cap = (n + 3) & ~3;
      c.addr = new Float64Array(cap);
      c.size = new Uint16Array(cap);
      c.isWrite = new Uint8Array(cap);
      c.tid = new Int32Array(cap);
      c.clock = new Float64Array(cap);
      this.size32 = new Uint32Array(c.size.buffer);
      this.isWrite32 = new Uint32Array(c.isWrite.buffer);
    }
    c.count = n;
    const tid = c.tid;
    for (let r = 0; r < nRuns; r++) {
      const from = dv.getUint32(runsAt + r * 8, true);
      const to = r + 1 < nRuns ? dv.getUint32(runsAt + r * 8 + 8, true) : n;
      if (from > to || to > n || (r === 0 && from !== 0)) return "access chunk thread runs are inconsistent";
      tid.fill(dv.getInt32(runsAt + r * 8 + 4, true), from, to);
    }
    // Always a plain Uint8Array (not a Buffer) so the hot loops stay monomorphic.
    const u8: Uint8Array = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const st = this.state;
    st[0] = sAt;
    st[1] = cAt;
    st[2] = clk;
    decodeOpsAndClock(u8, n, opsAt, clkAt, st, c.size, this.size32, c.isWrite, this.isWrite32, c.clock);
    if (st[0] !== sAt + sCount * 2 || st[1] !== sAt)
      return "access chunk size or clock escapes do not match their lengths";
    if (!decodeAddresses(u8, n, opsAt, laneLen, lanes, c.addr))
      return "access chunk address streams do not match their lengths";
    return "";
  }
}

// Local copies of the format constants used in the loops: under a CommonJS-style loader
// (tsx) an imported binding is read through a getter on every use.
const SIZE_ESC = SIZE_ESCAPE;
const CLOCK_ESC = CLOCK_ESCAPE;
const LANES = ADDRESS_LANES;
const PAD = PAYLOAD_PAD;
const DELTA_LEN = Uint8Array.from(DELTA_BYTES);

// The hot loops. On this kind of machine V8 spends most of its time per typed-array
// access, so they read four bytes at a time through a DataView, keep the common path
// branch-free (mixed codes defeat the branch predictor), and run the four address
// lanes' base→add→store chains side by side. Rare cases (escapes) take scalar paths.

/** Decodes sizes, write flags and clocks. st = [sizeEscPos, clockEscPos, clock] in/out. */
function decodeOpsAndClock(
  raw: Uint8Array,
  n: number,
  opsAt: number,
  clkAt: number,
  st: Float64Array,
  size: Uint16Array,
  size32: Uint32Array,
  isWrite: Uint8Array,
  isWrite32: Uint32Array,
  clock: Float64Array,
): void {
  // A local DataView lets V8 see its buffer and length and inline the reads.
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const n4 = n >> 2;
  // The running clock is an int offset from a float base: a 1-cycle add chain.
  let clk = st[2];
  let run = 0;
  for (let j = 0; j < n4; j++) {
    const ow = dv.getInt32(opsAt + 4 * j, true);
    const cw = dv.getInt32(clkAt + 4 * j, true);
    const nc = ~cw;
    // Any clock byte 255 (escape), any size code 7 (escape), or a long run: scalar path.
    if (
      (((nc - 0x01010101) & ~nc & 0x80808080) | (((ow & 0x07070707) + 0x01010101) & 0x08080808)) !== 0 ||
      run > 0x3fffffff
    ) {
      st[2] = clk + run;
      run = 0;
      for (let i = 4 * j; i < 4 * j + 4; i++) scalarOp(raw, i, opsAt, clkAt, st, size, isWrite, clock);
      clk = st[2];
      continue;
    }
    isWrite32[j] = (ow >>> 3) & 0x01010101;
    size32[2 * j] = (1 << (ow & 7)) | ((1 << ((ow >> 8) & 7)) << 16);
    size32[2 * j + 1] = (1 << ((ow >> 16) & 7)) | ((1 << ((ow >>> 24) & 7)) << 16);
    const i = 4 * j;
    run += cw & 255;
    clock[i] = clk + run;
    run += (cw >> 8) & 255;
    clock[i + 1] = clk + run;
    run += (cw >> 16) & 255;
    clock[i + 2] = clk + run;
    run += cw >>> 24;
    clock[i + 3] = clk + run;
  }
  st[2] = clk + run;
  for (let i = 4 * n4; i < n; i++) scalarOp(raw, i, opsAt, clkAt, st, size, isWrite, clock);
}

function scalarOp(
  raw: Uint8Array,
  i: number,
  opsAt: number,
  clkAt: number,
  st: Float64Array,
  size: Uint16Array,
  isWrite: Uint8Array,
  clock: Float64Array,
): void {
  const op = raw[opsAt + i];
  const sc = op & 7;
  isWrite[i] = (op >> 3) & 1;
  if (sc !== SIZE_ESC) size[i] = 1 << sc;
  else {
    const sp = st[0];
    size[i] = raw[sp] | (raw[sp + 1] << 8);
    st[0] = sp + 2;
  }
  const c = raw[clkAt + i];
  if (c !== CLOCK_ESC) st[2] += c;
  else {
    let q = st[1];
    let z = 0;
    let mul = 1;
    let b: number;
    do {
      b = raw[q++] ?? 0;
      z += (b & 127) * mul;
      mul *= 128;
    } while (b >= 128 && mul < 2 ** 63);
    st[1] = q;
    st[2] += z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }
  clock[i] = st[2];
}

/**
 * Addresses. Lane k holds accesses [k·laneLen, (k+1)·laneLen) and its own four base
 * slots (base[4k..4k+3]). Returns false when a lane's stream does not end where the
 * prelude says.
 */
function decodeAddresses(
  raw: Uint8Array,
  n: number,
  opsAt: number,
  laneLen: number,
  laneAt: Float64Array,
  addr: Float64Array,
): boolean {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const base = new Float64Array(4 * LANES);
  const limit = raw.length - PAD;
  let p0 = laneAt[0] | 0;
  let p1 = laneAt[1] | 0;
  let p2 = laneAt[2] | 0;
  let p3 = laneAt[3] | 0;
  const i1 = laneLen;
  const i2 = 2 * laneLen;
  const i3 = 3 * laneLen;
  // Side by side while all four lanes have accesses. The inner loop leaves on a
  // 7-byte delta (length code 3, rare); the outer loop decodes that step lane by lane.
  const both = Math.max(0, Math.min(laneLen, n - i3));
  let j = 0;
  while (j < both) {
    for (; j < both; j++) {
      const o0 = raw[opsAt + j];
      const o1 = raw[opsAt + i1 + j];
      const o2 = raw[opsAt + i2 + j];
      const o3 = raw[opsAt + i3 + j];
      const l0 = (o0 >> 6) + 1;
      const l1 = (o1 >> 6) + 1;
      const l2 = (o2 >> 6) + 1;
      const l3 = (o3 >> 6) + 1;
      if (((l0 | l1 | l2 | l3) & 4) !== 0) break;
      // Read 4 bytes whatever the length (the payload is padded), then mask.
      const z0 = dv.getUint32(p0, true) & ((1 << (l0 << 3)) - 1);
      const z1 = dv.getUint32(p1, true) & ((1 << (l1 << 3)) - 1);
      const z2 = dv.getUint32(p2, true) & ((1 << (l2 << 3)) - 1);
      const z3 = dv.getUint32(p3, true) & ((1 << (l3 << 3)) - 1);
      p0 += l0;
      p1 += l1;
      p2 += l2;
      p3 += l3;
      const s0 = (o0 >> 4) & 3;
      const s1 = 4 | ((o1 >> 4) & 3);
      const s2 = 8 | ((o2 >> 4) & 3);
      const s3 = 12 | ((o3 >> 4) & 3);
      const a0 = base[s0] + ((z0 >>> 1) ^ -(z0 & 1));
      const a1 = base[s1] + ((z1 >>> 1) ^ -(z1 & 1));
      const a2 = base[s2] + ((z2 >>> 1) ^ -(z2 & 1));
      const a3 = base[s3] + ((z3 >>> 1) ^ -(z3 & 1));
      base[s0] = a0;
      base[s1] = a1;
      base[s2] = a2;
      base[s3] = a3;
      addr[j] = a0;
      addr[i1 + j] = a1;
      addr[i2 + j] = a2;
      addr[i3 + j] = a3;
    }
    if (j < both) {
      p0 = decodeLane(raw, dv, opsAt, j, j + 1, p0, base, 0, limit, addr);
      p1 = decodeLane(raw, dv, opsAt, i1 + j, i1 + j + 1, p1, base, 4, limit, addr);
      p2 = decodeLane(raw, dv, opsAt, i2 + j, i2 + j + 1, p2, base, 8, limit, addr);
      p3 = decodeLane(raw, dv, opsAt, i3 + j, i3 + j + 1, p3, base, 12, limit, addr);
      if ((p0 | p1 | p2 | p3) < 0) return false;
      j++;
    }
  }
  // A lane running past its stream would read the next lane's bytes: caught here.
  if (p0 > laneAt[1] || p1 > laneAt[2] || p2 > laneAt[3] || p3 > laneAt[4]) return false;
  // The rest of each lane (a short last chunk) one lane at a time.
  const ps = [p0, p1, p2, p3];
  for (let k = 0; k < LANES; k++) {
    const from = Math.min(n, k * laneLen + both);
    const to = Math.min(n, (k + 1) * laneLen);
    const end = decodeLane(raw, dv, opsAt, from, to, ps[k], base, 4 * k, limit, addr);
    if (end !== laneAt[k + 1]) return false;
  }
  return true;
}

function decodeLane(
  raw: Uint8Array,
  dv: DataView,
  opsAt: number,
  from: number,
  to: number,
  p: number,
  base: Float64Array,
  slot0: number,
  limit: number,
  addr: Float64Array,
): number {
  for (let i = from; i < to; i++) {
    const op = raw[opsAt + i];
    const lc = op >> 6;
    if (p + DELTA_LEN[lc] > limit) return -1;
    let d: number;
    if (lc === 3) d = longDelta(raw, p);
    else {
      const z = dv.getUint32(p, true) & ((1 << ((lc + 1) << 3)) - 1);
      d = (z >>> 1) ^ -(z & 1);
    }
    p += DELTA_LEN[lc];
    const s = slot0 | ((op >> 4) & 3);
    const a = base[s] + d;
    base[s] = a;
    addr[i] = a;
  }
  return p;
}

/** A 7-byte zigzag delta. */
function longDelta(raw: Uint8Array, p: number): number {
  let z = 0;
  for (let k = 6; k >= 0; k--) z = z * 256 + (raw[p + k] ?? 0);
  return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
}

let warmedUp = false;

/**
 * Runs the decoder once over a small synthetic trace that takes every path (escapes,
 * far jumps, short lanes). Without this, V8 optimises the hot loops before it has seen
 * the rare paths and deoptimises them again in every chunk.
 */
function warmUp(): void {
  if (warmedUp) return;
  warmedUp = true;
  const parts: Uint8Array[] = [];
  const w = new TraceWriter(
    (b) => parts.push(b),
    { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 },
    { chunkAccesses: 64, level: 1 },
  );
  let clock = 0;
  for (let i = 0; i < 203; i++) {
    clock += i % 17 === 0 ? 1000 : i % 3;
    const addr = i % 11 === 0 ? 2 ** 40 + i * 4096 : 0x10000 + ((i * 37) % 3000) * 8;
    w.access(addr, i % 13 === 0 ? 10 : 1 << (i % 7), i & 1, i % 50 === 0 ? 2 : 1, clock);
  }
  w.finish({ partial: false });
  const bytes = Buffer.concat(parts);
  for (let k = 0; k < 3; k++) {
    const r = TraceReader.fromBytes(bytes);
    for (const _ of r);
  }
}
