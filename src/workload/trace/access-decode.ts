/**
 * Decoding of one access chunk's payload (format.md: prelude, thread runs, op
 * codes, clock deltas, four address lanes, escapes) into typed arrays that are
 * reused from chunk to chunk. The chunk framing (headers, checksums, damage) is
 * the reader's (reader.ts); this module only turns verified bytes into accesses.
 */
import {
  ACCESS_PRELUDE_BYTES,
  ADDRESS_LANES,
  CLOCK_ESCAPE,
  DELTA_BYTES,
  MAX_EXACT,
  PAYLOAD_PAD,
  SIZE_ESCAPE,
} from "./format.js";
import { isTraceInteger } from "./validate.js";
import { ACCESS_DECODE_WASM_BASE64 } from "./wasm/access-decode-bytes.js";
import { Wasm, type WasmMemory } from "../../mm/wasm/wasm-api.js";

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
  /**
   * The same thread ids as runs: run r holds accesses [runStart[r], runStart[r + 1])
   * of thread runTid[r], for r < runs (runStart[runs] === count). Consecutive runs may
   * share a thread; a consumer after one thread's accesses can skip whole runs.
   */
  runs: number;
  runStart: Int32Array;
  runTid: Int32Array;
  /** True when no clock in the chunk is below the one before it (a consumer may binary-search them). */
  clocksAscend: boolean;
}

export interface AccessDecoderOptions {
  /**
   * Decode only what a replay uses: addresses, write flags, clocks and the thread
   * runs. `size` and `tid` stay empty (length 0): the per-access thread id column
   * and the sizes cost about a fifth of a decode.
   */
  lean?: boolean;
  /**
   * With `lean`: decode in WebAssembly (wasm/access-decode.wat; same arrays and
   * verdicts, 1.7–2× the JavaScript decoder's rate: bench/decode.ts), the arrays then
   * views into the decoder's own WebAssembly memory. Falls back to JavaScript where
   * that memory cannot be made or grown.
   */
  wasm?: boolean;
}

/** The decoding module's exports (parameters in access-decode.wat's order). */
interface DecodeModule {
  mem: WasmMemory;
  opsClock: (
    n: number,
    opsAt: number,
    clkAt: number,
    rawLen: number,
    sizeEscAt: number,
    clockEscAt: number,
    firstClock: number,
    clockOut: number,
    writeOut: number,
    stateOut: number,
  ) => void;
  addresses: (
    n: number,
    opsAt: number,
    laneLen: number,
    both: number,
    e0: number,
    e1: number,
    e2: number,
    e3: number,
    e4: number,
    addrOut: number,
    baseScratch: number,
  ) => number;
}

let decodeModule: object | null = null;

/** A new instance of the decoding module (each decoder owns its memory), or null where WebAssembly cannot give one. */
function newDecodeModule(): DecodeModule | null {
  try {
    decodeModule ??= new Wasm.Module(Buffer.from(ACCESS_DECODE_WASM_BASE64, "base64"));
    return new Wasm.Instance(decodeModule, {}).exports as unknown as DecodeModule;
  } catch {
    return null;
  }
}

/** Decodes access payloads into one reused AccessChunk. */
export class AccessDecoder {
  readonly chunk: AccessChunk = {
    kind: "accesses",
    offset: 0,
    firstIndex: 0,
    count: 0,
    addr: new Float64Array(0),
    size: new Uint16Array(0),
    isWrite: new Uint8Array(0),
    tid: new Int32Array(0),
    clock: new Float64Array(0),
    runs: 0,
    runStart: new Int32Array(1),
    runTid: new Int32Array(0),
    clocksAscend: true,
  };
  private readonly laneAt = new Float64Array(ADDRESS_LANES + 1);
  private readonly state = new Float64Array(5);
  private size32: Uint32Array = new Uint32Array(0);
  private isWrite32: Uint32Array = new Uint32Array(0);
  private readonly lean: boolean;
  private wasm: DecodeModule | null;

  constructor(opts: AccessDecoderOptions = {}) {
    this.lean = opts.lean ?? false;
    this.wasm = this.lean && opts.wasm === true ? newDecodeModule() : null;
  }

  /** Which decoder runs: "wasm" only when asked for (lean) and WebAssembly gave a module. */
  get engine(): "wasm" | "js" {
    return this.wasm !== null ? "wasm" : "js";
  }

  /** Decodes an access payload into the shared chunk arrays; returns an error message or "". */
  decode(raw: Uint8Array, count: number): string {
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
    // Checksums prove the bytes are the writer's, not that the writer was sane: a NaN
    // or huge clock would stall or scramble a replay's thread times.
    if (!isTraceInteger(clk)) return "access chunk first clock is not an integer in [0, 2^52)";
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
    // A memory that cannot grow to the chunk (the host's limits) leaves the decoder in JavaScript.
    if (this.wasm !== null && !wasmRoom(this.wasm, raw.length, n)) {
      this.wasm = null;
      c.addr = new Float64Array(0); // the JavaScript loops' own arrays are made below
    }
    if (this.wasm === null && c.addr.length < n) {
      // Capacity a multiple of 4 so sizes and write flags can be stored 4 bytes at a time.
      const cap = (n + 3) & ~3;
      c.addr = new Float64Array(cap);
      c.isWrite = new Uint8Array(cap);
      c.clock = new Float64Array(cap);
      if (!this.lean) {
        c.size = new Uint16Array(cap);
        c.tid = new Int32Array(cap);
      }
      this.size32 = new Uint32Array(c.size.buffer);
      this.isWrite32 = new Uint32Array(c.isWrite.buffer);
    }
    c.count = n;
    if (c.runTid.length < nRuns) {
      c.runTid = new Int32Array(nRuns);
      c.runStart = new Int32Array(nRuns + 1);
    }
    const tid = c.tid;
    for (let r = 0; r < nRuns; r++) {
      const from = dv.getUint32(runsAt + r * 8, true);
      const to = r + 1 < nRuns ? dv.getUint32(runsAt + r * 8 + 8, true) : n;
      if (from > to || to > n || (r === 0 && from !== 0)) return "access chunk thread runs are inconsistent";
      const t = dv.getInt32(runsAt + r * 8 + 4, true);
      if (!this.lean) tid.fill(t, from, to);
      c.runStart[r] = from;
      c.runTid[r] = t;
    }
    c.runs = nRuns;
    c.runStart[nRuns] = n;
    if (this.wasm !== null)
      return this.decodeWasm(this.wasm, raw, n, opsAt, clkAt, sAt, sCount, cAt, clk, laneLen);
    // Always a plain Uint8Array (not a Buffer) so the hot loops stay monomorphic.
    const u8: Uint8Array = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const st = this.state;
    st[0] = sAt;
    st[1] = cAt;
    st[2] = clk;
    st[3] = 0;
    st[4] = 0;
    decodeOpsAndClock(
      u8,
      n,
      opsAt,
      clkAt,
      st,
      !this.lean,
      c.size,
      this.size32,
      c.isWrite,
      this.isWrite32,
      c.clock,
    );
    const clocks = clockVerdict(st, sAt, sCount);
    if (clocks) return clocks;
    c.clocksAscend = st[3] === 0;
    if (!decodeAddresses(u8, n, opsAt, laneLen, lanes, c.addr))
      return "access chunk address streams do not match their lengths";
    return "";
  }

  /**
   * The loops of decode() in WebAssembly: the payload copied to the start of the
   * module's memory, then clocks, write flags and addresses laid out after it.
   */
  private decodeWasm(
    w: DecodeModule,
    raw: Uint8Array,
    n: number,
    opsAt: number,
    clkAt: number,
    sAt: number,
    sCount: number,
    cAt: number,
    clk: number,
    laneLen: number,
  ): string {
    const { A, C, W, B, S } = wasmLayout(raw.length, n);
    const buf = w.mem.buffer as ArrayBuffer;
    new Uint8Array(buf, 0, raw.length).set(raw);
    w.opsClock(n, opsAt, clkAt, raw.length, sAt, cAt, clk, C, W, S);
    const st = new Float64Array(buf, S, 5);
    const c = this.chunk;
    c.addr = new Float64Array(buf, A, n);
    c.clock = new Float64Array(buf, C, n);
    c.isWrite = new Uint8Array(buf, W, n);
    const clocks = clockVerdict(st, sAt, sCount);
    if (clocks) return clocks;
    c.clocksAscend = st[3] === 0;
    const lanes = this.laneAt;
    // A lane length past n leaves the later lanes empty either way; clamped, the
    // module's i32 lane offsets cannot overflow.
    const len = Math.min(laneLen, n);
    const both = Math.max(0, Math.min(len, n - 3 * len));
    return w.addresses(n, opsAt, len, both, lanes[0], lanes[1], lanes[2], lanes[3], lanes[4], A, B) === 1
      ? ""
      : "access chunk address streams do not match their lengths";
  }
}

/**
 * What the ops-and-clocks pass left in `st` ([size-escape end, clock-escape end, last
 * clock, any step back, any clock out of range]) says of the chunk: "" or its damage.
 * Both decoders' passes leave the same state; this is their one verdict.
 */
function clockVerdict(st: Float64Array, sAt: number, sCount: number): string {
  if (st[0] !== sAt + sCount * 2 || st[1] !== sAt)
    return "access chunk size or clock escapes do not match their lengths";
  if (st[4] !== 0 || !(st[2] < CLOCK_LIMIT)) return "access chunk clocks leave [0, 2^52)";
  return "";
}

/** Bytes in a WebAssembly memory page. */
const WASM_PAGE = 65536;

/**
 * Where the decoding module's memory holds a chunk: the payload from 0, then the
 * addresses, clocks, write flags, the base slots' scratch and the state out.
 */
function wasmLayout(
  rawLength: number,
  n: number,
): { A: number; C: number; W: number; B: number; S: number; end: number } {
  const A = (rawLength + 7) & ~7;
  const C = A + 8 * n;
  const W = C + 8 * n;
  const B = (W + n + 15) & ~15;
  const S = B + 8 * 4 * LANES;
  return { A, C, W, B, S, end: S + 8 * 5 };
}

/** Grows `w`'s memory to hold a chunk of `n` accesses from `rawLength` payload bytes; false if it cannot. */
function wasmRoom(w: DecodeModule, rawLength: number, n: number): boolean {
  const need = wasmLayout(rawLength, n).end;
  const have = w.mem.buffer.byteLength;
  if (need <= have) return true;
  try {
    w.mem.grow(Math.ceil((need - have) / WASM_PAGE));
    return true;
  } catch {
    return false;
  }
}

// Local copies of the format constants used in the loops: under a CommonJS-style loader
// (tsx) an imported binding is read through a getter on every use.
const SIZE_ESC = SIZE_ESCAPE;
const CLOCK_ESC = CLOCK_ESCAPE;
const LANES = ADDRESS_LANES;
const PAD = PAYLOAD_PAD;
const DELTA_LEN = Uint8Array.from(DELTA_BYTES);
/** Clocks are integers in [0, this) (format.md; the writer refuses others). */
const CLOCK_LIMIT = MAX_EXACT;

// The hot loops. On this kind of machine V8 spends most of its time per typed-array
// access, so they read four bytes at a time through a DataView, keep the common path
// branch-free (mixed codes defeat the branch predictor), and run the four address
// lanes' base→add→store chains side by side. Rare cases (escapes) take scalar paths.

/**
 * Decodes sizes (unless `sizes` is false), write flags and clocks.
 * st = [sizeEscPos, clockEscPos, clock, any negative clock step, any clock out of range] in/out.
 * Between escapes clocks only grow, so checking the clock on both sides of each escaped
 * step, and the last one, bounds them all.
 */
function decodeOpsAndClock(
  raw: Uint8Array,
  n: number,
  opsAt: number,
  clkAt: number,
  st: Float64Array,
  sizes: boolean,
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
      for (let i = 4 * j; i < 4 * j + 4; i++) scalarOp(raw, i, opsAt, clkAt, st, sizes, size, isWrite, clock);
      clk = st[2];
      continue;
    }
    isWrite32[j] = (ow >>> 3) & 0x01010101;
    if (sizes) {
      size32[2 * j] = (1 << (ow & 7)) | ((1 << ((ow >> 8) & 7)) << 16);
      size32[2 * j + 1] = (1 << ((ow >> 16) & 7)) | ((1 << ((ow >>> 24) & 7)) << 16);
    }
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
  for (let i = 4 * n4; i < n; i++) scalarOp(raw, i, opsAt, clkAt, st, sizes, size, isWrite, clock);
}

function scalarOp(
  raw: Uint8Array,
  i: number,
  opsAt: number,
  clkAt: number,
  st: Float64Array,
  sizes: boolean,
  size: Uint16Array,
  isWrite: Uint8Array,
  clock: Float64Array,
): void {
  const op = raw[opsAt + i];
  const sc = op & 7;
  isWrite[i] = (op >> 3) & 1;
  if (sc !== SIZE_ESC) {
    if (sizes) size[i] = 1 << sc;
  } else {
    // The escape is consumed either way: the stream's length is checked after.
    const sp = st[0];
    if (sizes) size[i] = raw[sp] | (raw[sp + 1] << 8);
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
    // A negative step (only escapes have one) means the clocks do not ascend.
    if (z % 2 === 1) st[3] = 1;
    const before = st[2];
    st[2] += z % 2 === 1 ? -(z + 1) / 2 : z / 2;
    if (!(before < CLOCK_LIMIT && st[2] >= 0 && st[2] < CLOCK_LIMIT)) st[4] = 1;
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
  const e1 = laneAt[1];
  const e2 = laneAt[2];
  const e3 = laneAt[3];
  const e4 = laneAt[4];
  // Side by side while all four lanes have accesses. The inner loop leaves on a
  // 7-byte delta (length code 3, rare), and where a lane has passed its stream's end
  // (a damaged payload: its 4-byte reads could leave the payload); the outer loop
  // decodes that step lane by lane, checked.
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
      if (((l0 | l1 | l2 | l3) & 4) !== 0 || p0 > e1 || p1 > e2 || p2 > e3 || p3 > e4) break;
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
