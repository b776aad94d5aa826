/**
 * Pattern reader for one snapshot in the two layouts records are written in: the
 * compact one damon-ts writes (`{"start_time":"..","regions":[{"start":"4,096",...`)
 * and damo's json.dumps(indent=4). It checks every literal byte (eight at a time)
 * and parses numbers in place, with no strings or objects created, which makes
 * loading large records several times faster than a general JSON parser. Anything
 * else (other layouts, extra keys, DAMOS stats) returns MISMATCH and the general
 * path reads the snapshot.
 *
 * Speed notes (a 555 MB damo record is read once per process, so the first pass
 * counts, JIT warm-up included): the scanner's state lives in one small object,
 * each step is a small function V8 inlines, and a failed step only says "no" —
 * whether it failed for want of bytes is kept in `short`, not in return codes.
 */

export const MISMATCH = -1;
export const NEED_MORE = -2;

interface Lit {
  len: number;
  /** the literal as little-endian doubles, 8 bytes each (ASCII text is never NaN or -0) */
  words: Float64Array;
  /** its last 8 bytes as a double (overlapping the last word), when it has 8 or more */
  last: number;
  /** its bytes, for literals shorter than 8 */
  bytes: Uint8Array;
}

function lit(s: string): Lit {
  const b = Buffer.from(s, "latin1");
  const nw = b.length >> 3;
  const words = new Float64Array(nw);
  for (let i = 0; i < nw; i++) words[i] = b.readDoubleLE(i * 8);
  const last = b.length >= 8 ? b.readDoubleLE(b.length - 8) : NaN;
  return { len: b.length, words, last, bytes: Uint8Array.from(b) };
}

/** The literal pieces of one layout (indent 0 or 4; snapshots at depth 3, regions at 5). */
interface Layout {
  startTime: Lit;
  endTime: Lit;
  regions: Lit;
  rStart: Lit;
  rEnd: Lit;
  rNr: Lit;
  rPercent: Lit;
  rAgeHead: Lit;
  rAggr: Lit;
  rAgeEnd: Lit;
  rProbe: Lit;
  rSzf: Lit;
  rClose: Lit;
  regionsEnd: Lit;
  total: Lit;
  stats: Lit;
  sampleInterval: Lit;
  close: Lit;
  nul: Lit;
}

function layout(indent: number): Layout {
  const nl = (level: number): string => (indent ? "\n" + " ".repeat(indent * level) : "");
  const c = indent ? ": " : ":";
  const S = 3;
  const R = 5;
  return {
    startTime: lit(`{${nl(S + 1)}"start_time"${c}`),
    endTime: lit(`,${nl(S + 1)}"end_time"${c}`),
    regions: lit(`,${nl(S + 1)}"regions"${c}[`),
    rStart: lit(`${nl(R)}{${nl(R + 1)}"start"${c}"`),
    rEnd: lit(`",${nl(R + 1)}"end"${c}"`),
    rNr: lit(`",${nl(R + 1)}"nr_accesses"${c}{${nl(R + 2)}"samples"${c}`),
    rPercent: lit(`,${nl(R + 2)}"percent"${c}`),
    rAgeHead: lit(`${nl(R + 1)}},${nl(R + 1)}"age"${c}{${nl(R + 2)}"usec"${c}`),
    rAggr: lit(`,${nl(R + 2)}"aggr_intervals"${c}`),
    rAgeEnd: lit(`${nl(R + 1)}}`),
    // damo 3.3 writes an empty probe_hits list with every region
    rProbe: lit(`,${nl(R + 1)}"probe_hits"${c}[]`),
    rSzf: lit(`,${nl(R + 1)}"sz_filter_passed"${c}"`),
    rClose: lit(`${nl(R)}}`),
    regionsEnd: lit(`${nl(S + 1)}]`),
    total: lit(`,${nl(S + 1)}"total_bytes"${c}`),
    stats: lit(`,${nl(S + 1)}"damos_stats"${c}null`),
    sampleInterval: lit(`,${nl(S + 1)}"sample_interval_us"${c}`),
    close: lit(`${nl(S)}}`),
    nul: lit("null"),
  };
}

export const LAYOUTS: readonly Layout[] = [layout(0), layout(4)];

const UNIT: Record<number, number> = {
  0x4b: 2 ** 10,
  0x4d: 2 ** 20,
  0x47: 2 ** 30,
  0x54: 2 ** 40,
  0x50: 2 ** 50,
  0x45: 2 ** 60,
};

const BLOCK = 1 << 17;

export interface SnapshotColumns {
  start: Float64Array;
  end: Float64Array;
  samples: Float64Array;
  age: Float64Array;
  szFilterPassed: Float64Array;
}

/** The region columns of the snapshot being read, grown as needed and reused. */
export class RegionColumns {
  start = new Float64Array(1024);
  end = new Float64Array(1024);
  samples = new Float64Array(1024);
  age = new Float64Array(1024);
  szf = new Float64Array(1024);

  push(k: number, start: number, end: number, samples: number, age: number, szf: number): void {
    if (k >= this.start.length) this.grow();
    this.start[k] = start;
    this.end[k] = end;
    this.samples[k] = samples;
    this.age[k] = age;
    this.szf[k] = szf;
  }

  /**
   * Copies of the first n rows for a snapshot, carved out of shared blocks: one
   * allocation per 128 Ki values instead of five per snapshot keeps the garbage
   * collector out of large reads.
   */
  take(n: number): SnapshotColumns {
    return {
      start: this.copy(this.start, n),
      end: this.copy(this.end, n),
      samples: this.copy(this.samples, n),
      age: this.copy(this.age, n),
      szFilterPassed: this.copy(this.szf, n),
    };
  }

  private block = new Float64Array(0);
  private used = 0;

  private copy(a: Float64Array, n: number): Float64Array {
    if (this.used + n > this.block.length) {
      this.block = new Float64Array(Math.max(BLOCK, n));
      this.used = 0;
    }
    const d = this.block.subarray(this.used, this.used + n);
    this.used += n;
    d.set(a.subarray(0, n));
    return d;
  }

  private grow(): void {
    const g = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const d = new Float64Array(a.length * 2);
      d.set(a);
      return d;
    };
    this.start = g(this.start);
    this.end = g(this.end);
    this.samples = g(this.samples);
    this.age = g(this.age);
    this.szf = g(this.szf);
  }
}

export interface CompactSnapshot {
  end: number;
  startNs: number;
  endNs: number;
  nr: number;
  totalBytes: number | null;
  sampleIntervalUs: number | null;
}

/** Where the scanner is in one buffer. */
class Scan {
  readonly dv: DataView;
  readonly n: number;
  p = 0;
  /** the number the last successful step read */
  v = 0;
  /** a step failed because the bytes ran out (more data may make it match) */
  short = false;
  constructor(readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.n = b.length;
  }
}

/** The literal at s.p: advances past it, or false. */
function litAt(s: Scan, l: Lit): boolean {
  const p = s.p;
  if (p + l.len > s.n) {
    s.short = true;
    return false;
  }
  const w = l.words;
  if (w.length === 0) {
    const t = l.bytes;
    const b = s.b;
    for (let k = 0; k < t.length; k++) if (b[p + k] !== t[k]) return false;
  } else {
    const dv = s.dv;
    // comparing 8 bytes at a time as doubles: equal doubles here mean equal bytes,
    // since no ASCII literal is a NaN, a zero or a value with two encodings; the
    // last 8 bytes (overlapping the last word) cover the rest in one compare
    for (let k = 0; k < w.length; k++) if (dv.getFloat64(p + k * 8, true) !== w[k]) return false;
    if (dv.getFloat64(p + l.len - 8, true) !== l.last) return false;
  }
  s.p = p + l.len;
  return true;
}

/** One byte at s.p: advances past it, or false. */
function byteAt(s: Scan, c: number): boolean {
  if (s.p >= s.n) {
    s.short = true;
    return false;
  }
  if (s.b[s.p] !== c) return false;
  s.p++;
  return true;
}

/** Whether s.p holds byte c (without advancing); running out counts as short. */
function peek(s: Scan, c: number): boolean {
  if (s.p >= s.n) {
    s.short = true;
    return false;
  }
  return s.b[s.p] === c;
}

/** Digits at s.p (with ',' anywhere when `grouped`, as damo's text_to_* strip them) into s.v. */
function digits(s: Scan, grouped: boolean): boolean {
  const b = s.b;
  const n = s.n;
  let p = s.p;
  let v = 0;
  let nd = 0;
  for (;;) {
    if (p >= n) {
      s.short = true;
      return false;
    }
    const c = b[p];
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      nd++;
    } else if (!(grouped && c === 0x2c)) break;
    p++;
  }
  if (nd === 0) return false;
  s.v = v;
  s.p = p;
  return true;
}

/** A bare JSON integer (optionally negative, no leading zeros) into s.v. */
function jsonInt(s: Scan): boolean {
  const neg = peek(s, 0x2d);
  if (neg) s.p++;
  const from = s.p;
  if (!digits(s, false)) return false;
  if (s.b[from] === 0x30 && s.p - from > 1) return false; // "01" is not JSON
  if (neg) s.v = -s.v;
  return true;
}

/** A time or size value: "123" or 123, into s.v. */
function quotedOrBare(s: Scan): boolean {
  if (!peek(s, 0x22)) return jsonInt(s);
  s.p++;
  return digits(s, false) && byteAt(s, 0x22);
}

/** `null` at s.p: advances past it, or false. */
function nullAt(s: Scan, L: Layout): boolean {
  return peek(s, 0x6e) && litAt(s, L.nul);
}

/** A JSON string without escapes or control bytes at s.p, skipped. */
function plainString(s: Scan): boolean {
  if (!byteAt(s, 0x22)) return false;
  const b = s.b;
  const n = s.n;
  let q = s.p;
  while (q < n && b[q] !== 0x22) {
    if (b[q] === 0x5c || b[q] < 0x20) return false;
    q++;
  }
  if (q >= n) {
    s.short = true;
    return false;
  }
  s.p = q + 1;
  return true;
}

/** damo's size text in a string ("0 B", "31.340 MiB", read as damo: float * unit, truncated), into s.v. */
function sizeText(s: Scan): boolean {
  const b = s.b;
  const from = s.p;
  if (!digits(s, false)) return false;
  if (s.p + 6 > s.n) {
    s.short = true;
    return false;
  }
  let p = s.p;
  if (b[p] === 0x20 && b[p + 1] === 0x42 && b[p + 2] === 0x22) {
    s.p = p + 3;
    return true;
  }
  if (b[p] !== 0x2e) return false;
  p++;
  while (p < s.n && b[p] >= 0x30 && b[p] <= 0x39) p++;
  if (p + 5 > s.n) {
    s.short = true;
    return false;
  }
  const unit = UNIT[b[p + 1]];
  if (b[p] !== 0x20 || unit === undefined || b[p + 2] !== 0x69 || b[p + 3] !== 0x42 || b[p + 4] !== 0x22)
    return false;
  const text = Buffer.from(b.buffer, b.byteOffset + from, p - from).toString("latin1");
  s.v = Math.trunc(Number(text) * unit);
  s.p = p + 5;
  return true;
}

/**
 * An optional `,"key": null` or `,"key": <number>` at s.p: s.v is the number, NaN
 * for null or absent; false on anything else.
 */
function optionalNumber(s: Scan, key: Lit, L: Layout): boolean {
  s.v = NaN;
  if (!peek(s, 0x2c)) return !s.short;
  const from = s.p;
  if (!litAt(s, key)) {
    s.p = from;
    return !s.short;
  }
  if (nullAt(s, L)) {
    s.v = NaN;
    return true;
  }
  return !s.short && quotedOrBare(s);
}

/** One region at s.p into cols[k]; false on a mismatch or for want of bytes. */
function region(s: Scan, L: Layout, cols: RegionColumns, k: number): boolean {
  if (!litAt(s, L.rStart) || !digits(s, true)) return false;
  const start = s.v;
  if (!litAt(s, L.rEnd) || !digits(s, true)) return false;
  const end = s.v;
  if (end < start) return false;
  if (!litAt(s, L.rNr) || !jsonInt(s)) return false;
  const samples = s.v;
  // percent: null (damon-ts) or the number damo derives from samples (not used)
  if (!litAt(s, L.rPercent) || !(nullAt(s, L) || (!s.short && jsonInt(s)))) return false;
  // usec: null (damon-ts) or damo's time text ("0 ns"), not used when aggr_intervals is given
  if (!litAt(s, L.rAgeHead)) return false;
  const usecNull = nullAt(s, L);
  if (!usecNull && (s.short || !plainString(s))) return false;
  if (!litAt(s, L.rAggr)) return false;
  let age = NaN;
  if (!nullAt(s, L)) {
    if (s.short || !byteAt(s, 0x22)) return false;
    const neg = peek(s, 0x2d);
    if (neg) s.p++;
    if (!digits(s, true) || !byteAt(s, 0x22)) return false;
    age = neg ? -s.v : s.v;
  }
  // an age given only in usec is converted by the general reader
  if (Number.isNaN(age) && !usecNull) return false;
  if (!litAt(s, L.rAgeEnd)) return false;
  if (peek(s, 0x2c)) {
    const at = s.p;
    if (!litAt(s, L.rProbe)) {
      if (s.short) return false;
      s.p = at;
    }
  }
  let szf = 0;
  if (peek(s, 0x2c)) {
    if (!litAt(s, L.rSzf) || !sizeText(s)) return false;
    szf = s.v;
  }
  if (s.short || !litAt(s, L.rClose)) return false;
  cols.push(k, start, end, samples, age, szf);
  return true;
}

/** Reads snapshots in the two layouts; keeps one scanner per buffer (a buffer holds many snapshots). */
export class CompactReader {
  private scan: Scan | null = null;

  /** Reads one snapshot at b[i] in the given layout; returns it, MISMATCH or NEED_MORE. */
  read(b: Uint8Array, i: number, cols: RegionColumns, L: Layout = LAYOUTS[0]): CompactSnapshot | number {
    let s = this.scan;
    if (s === null || s.b.buffer !== b.buffer || s.b.byteOffset !== b.byteOffset || s.n !== b.length)
      s = this.scan = new Scan(b);
    s.p = i;
    s.short = false;
    const r = snapshot(s, L, cols);
    if (r !== null) return r;
    return s.short ? NEED_MORE : MISMATCH;
  }

  /** Drops the reference to the last buffer. */
  release(): void {
    this.scan = null;
  }
}

function snapshot(s: Scan, L: Layout, cols: RegionColumns): CompactSnapshot | null {
  if (!litAt(s, L.startTime) || !quotedOrBare(s)) return null;
  const startNs = s.v;
  if (!litAt(s, L.endTime) || !quotedOrBare(s)) return null;
  const endNs = s.v;
  if (!litAt(s, L.regions)) return null;
  let k = 0;
  if (!byteAt(s, 0x5d)) {
    if (s.short) return null;
    for (;;) {
      if (!region(s, L, cols, k)) return null;
      k++;
      if (byteAt(s, 0x2c)) continue;
      if (s.short || !litAt(s, L.regionsEnd)) return null;
      break;
    }
  }
  // the optional keys start with ','; anything else must be the close
  if (!optionalNumber(s, L.total, L)) return null;
  const totalBytes = Number.isNaN(s.v) ? null : s.v;
  if (peek(s, 0x2c)) {
    const at = s.p;
    if (!litAt(s, L.stats)) {
      if (s.short) return null;
      s.p = at;
    }
  }
  if (s.short || !optionalNumber(s, L.sampleInterval, L)) return null;
  const sampleIntervalUs = Number.isNaN(s.v) ? null : s.v;
  if (!litAt(s, L.close)) return null;
  return { end: s.p, startNs, endNs, nr: k, totalBytes, sampleIntervalUs };
}
