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
 * counts, JIT warm-up included): a region is read by one function with the
 * position in a local and the common steps written out in line (calls that V8
 * does not inline cost more than the work); reads past the end of the bytes are
 * not checked one by one: a typed array gives `undefined` there (no digit, no
 * match) and a DataView throws, and a snapshot that fails near the end of the
 * bytes is reported as NEED_MORE, to be read again once more bytes are there.
 */
import { SIZE_UNIT } from "../util/units.js";
import type { RegionColumns } from "./region-columns.js";

/** The key that opens every snapshot (where snapshots are searched for and slots cut). */
export const START_TIME = Buffer.from('"start_time"', "latin1");

export const MISMATCH = -1;
export const NEED_MORE = -2;

/**
 * Most bytes one step (a snapshot's head, a region, a snapshot's tail) may read
 * past its start: more than any such step reads, since numbers and strings are
 * read to at most MAX_NUMBER and MAX_STRING bytes (a region in damo's layout is
 * about 560 bytes). Steps start at most this far before the end of the bytes, so
 * no read is ever out of bounds: V8 compiles typed-array and DataView reads that
 * once went out of bounds into much slower code for the rest of the process.
 */
const STEP_BYTES = 4096;
/** Longest number (digits and group commas) read here; 2^53 with commas has 21. */
const MAX_NUMBER = 40;
/** Longest time text read here (damo's age: "1 h 2 m 3 s 400 ms" and so on). */
const MAX_STRING = 256;

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
  /** the usual end of a region in damo's layout: an empty probe_hits and sz_filter_passed "0 B", in one compare */
  rTailZero: Lit;
  rClose: Lit;
  regionsEnd: Lit;
  total: Lit;
  stats: Lit;
  sampleInterval: Lit;
  close: Lit;
}

function layout(indent: number): Layout {
  const nl = (level: number): string => (indent ? "\n" + " ".repeat(indent * level) : "");
  const c = indent ? ": " : ":";
  const S = 3;
  const R = 5;
  const probe = `,${nl(R + 1)}"probe_hits"${c}[]`;
  const szf = `,${nl(R + 1)}"sz_filter_passed"${c}"`;
  const rClose = `${nl(R)}}`;
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
    rProbe: lit(probe),
    rSzf: lit(szf),
    rTailZero: lit(`${probe}${szf}0 B"${rClose}`),
    rClose: lit(rClose),
    regionsEnd: lit(`${nl(S + 1)}]`),
    total: lit(`,${nl(S + 1)}"total_bytes"${c}`),
    stats: lit(`,${nl(S + 1)}"damos_stats"${c}null`),
    sampleInterval: lit(`,${nl(S + 1)}"sample_interval_us"${c}`),
    close: lit(`${nl(S)}}`),
  };
}

export const LAYOUTS: readonly Layout[] = [layout(0), layout(4)];

export interface CompactSnapshot {
  end: number;
  startNs: number;
  endNs: number;
  nr: number;
  totalBytes: number | null;
  sampleIntervalUs: number | null;
}

/**
 * The bytes being read. Steps start at positions up to `limit`; `base` is where
 * b[0] is in the caller's bytes (b is a zero-padded copy of their last bytes once
 * a step would start past the limit of the caller's own). `v` is the number the
 * last successful step read.
 */
class Scan {
  readonly dv: DataView;
  v = 0.5;
  constructor(
    readonly b: Uint8Array,
    readonly limit: number,
    readonly base: number,
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
}

/** The literal at p: the position after it, or -1. */
function at(dv: DataView, b: Uint8Array, p: number, l: Lit): number {
  const w = l.words;
  if (w.length === 0) {
    const t = l.bytes;
    for (let k = 0; k < t.length; k++) if (b[p + k] !== t[k]) return -1;
    return p + t.length;
  }
  // comparing 8 bytes at a time as doubles: equal doubles here mean equal bytes,
  // since no ASCII literal is a NaN, a zero or a value with two encodings; the
  // last 8 bytes (overlapping the last word) cover the rest in one compare
  for (let k = 0; k < w.length; k++) if (dv.getFloat64(p + k * 8, true) !== w[k]) return -1;
  if (dv.getFloat64(p + l.len - 8, true) !== l.last) return -1;
  return p + l.len;
}

/** Digits at p (with ',' anywhere when `grouped`, as damo's text_to_* strip them) into s.v; -1 if none. */
function digits(s: Scan, p: number, grouped: boolean): number {
  const b = s.b;
  let v = 0;
  let nd = 0;
  const stop = p + MAX_NUMBER;
  for (; p < stop; p++) {
    const c = b[p];
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      nd++;
    } else if (!(grouped && c === 0x2c)) break;
  }
  if (nd === 0 || p === stop) return -1;
  s.v = v;
  return p;
}

/** A bare JSON integer (optionally negative, no leading zeros) into s.v; -1 if none. */
function jsonInt(s: Scan, p: number): number {
  const neg = s.b[p] === 0x2d;
  const from = neg ? p + 1 : p;
  const q = digits(s, from, false);
  if (q < 0 || (s.b[from] === 0x30 && q - from > 1)) return -1; // "01" is not JSON
  if (neg) s.v = -s.v;
  return q;
}

/** A time or size value, "123" or 123, into s.v; -1 if neither. */
function quotedOrBare(s: Scan, p: number): number {
  if (s.b[p] !== 0x22) return jsonInt(s, p);
  const q = digits(s, p + 1, false);
  return q >= 0 && s.b[q] === 0x22 ? q + 1 : -1;
}

/** Whether `null` is at p. */
function isNull(b: Uint8Array, p: number): boolean {
  return b[p] === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c;
}

/**
 * damo's age as time text ("0 ns", "4 s 600 ms": numbers with a unit each, one
 * space apart) at p, skipped: the position after it, or -1. Only forms that the
 * general reader's text_to_ns accepts, so that both readers accept the same files
 * (the value itself is not used when aggr_intervals is given).
 */
function timeText(b: Uint8Array, p: number): number {
  if (b[p] !== 0x22) return -1;
  const stop = p + MAX_STRING;
  p++;
  for (;;) {
    const from = p;
    while (p < stop && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === from || p >= stop) return -1;
    if (b[p] === 0x2e) {
      const frac = ++p;
      while (p < stop && b[p] >= 0x30 && b[p] <= 0x39) p++;
      if (p === frac || p >= stop) return -1;
    }
    if (b[p] !== 0x20) return -1;
    const u = b[p + 1];
    const v = b[p + 2];
    // ns, us, ms; then s, m, h, d
    if (v === 0x73 && (u === 0x6e || u === 0x75 || u === 0x6d)) p += 3;
    else if (u === 0x73 || u === 0x6d || u === 0x68 || u === 0x64) p += 2;
    else return -1;
    if (b[p] === 0x22) return p + 1;
    if (b[p] !== 0x20) return -1;
    p++;
  }
}

/** damo's size text after its opening quote ("0 B", "31.340 MiB", read as damo: float * unit, truncated) into s.v. */
function sizeText(s: Scan, p: number): number {
  const b = s.b;
  const from = p;
  p = digits(s, p, false);
  if (p < 0) return -1;
  if (b[p] === 0x20 && b[p + 1] === 0x42 && b[p + 2] === 0x22) return p + 3;
  if (b[p] !== 0x2e) return -1;
  const stop = p + MAX_NUMBER;
  while (++p < stop && b[p] >= 0x30 && b[p] <= 0x39);
  const unit = SIZE_UNIT[b[p + 1]];
  if (b[p] !== 0x20 || unit === undefined || b[p + 2] !== 0x69 || b[p + 3] !== 0x42 || b[p + 4] !== 0x22)
    return -1;
  const text = Buffer.from(b.buffer, b.byteOffset + from, p - from).toString("latin1");
  s.v = Math.trunc(Number(text) * unit);
  return p + 5;
}

/**
 * An optional `,"key": null` or `,"key": <number>` at p: s.v is the number, NaN
 * for null or absent; -1 on anything else.
 */
function optionalNumber(s: Scan, p: number, key: Lit): number {
  s.v = NaN;
  if (s.b[p] !== 0x2c) return p;
  const q = at(s.dv, s.b, p, key);
  if (q < 0) return p;
  if (isNull(s.b, q)) return q + 4;
  return quotedOrBare(s, q);
}

/**
 * Grouped digits at p (the hottest loop: region addresses) into s.v; -1 if none.
 * The usual form ("94,827,419,009,024": 1-3 digits, then groups of three) is read
 * a group at a time, which makes the chain of floating-point steps a third as
 * long; any other form, or a value from 2^53 on (where rounding could differ from
 * the digit-at-a-time sum), is read by `digits`, so the value is always the same.
 */
function groupedDigits(s: Scan, p: number): number {
  const b = s.b;
  const from = p;
  let v = 0;
  let c = b[p];
  for (let n = 0; n < 3 && c >= 0x30 && c <= 0x39; n++) {
    v = v * 10 + (c - 0x30);
    c = b[++p];
  }
  if (p === from) return digits(s, from, true);
  while (c === 0x2c) {
    const d0 = b[p + 1];
    const d1 = b[p + 2];
    const d2 = b[p + 3];
    if (d0 < 0x30 || d0 > 0x39 || d1 < 0x30 || d1 > 0x39 || d2 < 0x30 || d2 > 0x39)
      return digits(s, from, true);
    v = v * 1000 + (d0 * 100 + d1 * 10 + d2 - 0x30 * 111);
    p += 4;
    c = b[p];
  }
  if ((c >= 0x30 && c <= 0x39) || p - from >= MAX_NUMBER || v >= 2 ** 53) return digits(s, from, true);
  s.v = v;
  return p;
}

/** One region at p into cols[k]: the position after it, or -1. */
function region(s: Scan, p: number, L: Layout, cols: RegionColumns, k: number): number {
  const b = s.b;
  const dv = s.dv;
  p = at(dv, b, p, L.rStart);
  if (p < 0) return -1;
  p = groupedDigits(s, p);
  if (p < 0) return -1;
  const start = s.v;
  p = at(dv, b, p, L.rEnd);
  if (p < 0) return -1;
  p = groupedDigits(s, p);
  if (p < 0) return -1;
  const end = s.v;
  if (end < start) return -1;
  p = at(dv, b, p, L.rNr);
  if (p < 0) return -1;
  p = jsonInt(s, p);
  if (p < 0) return -1;
  const samples = s.v;
  // percent: null (damon-ts) or the number damo derives from samples (not used)
  p = at(dv, b, p, L.rPercent);
  if (p < 0) return -1;
  p = isNull(b, p) ? p + 4 : jsonInt(s, p);
  if (p < 0) return -1;
  // usec: null (damon-ts) or damo's time text ("0 ns"), not used when aggr_intervals is given
  p = at(dv, b, p, L.rAgeHead);
  if (p < 0) return -1;
  const usecNull = isNull(b, p);
  p = usecNull ? p + 4 : timeText(b, p);
  if (p < 0) return -1;
  p = at(dv, b, p, L.rAggr);
  if (p < 0) return -1;
  let age = NaN;
  if (isNull(b, p)) {
    // an age given only in usec is converted by the general reader
    if (!usecNull) return -1;
    p += 4;
  } else {
    if (b[p] !== 0x22) return -1;
    const neg = b[p + 1] === 0x2d;
    p = groupedDigits(s, neg ? p + 2 : p + 1);
    if (p < 0 || b[p] !== 0x22) return -1;
    age = neg ? -s.v : s.v;
    p++;
  }
  p = at(dv, b, p, L.rAgeEnd);
  if (p < 0) return -1;
  if (b[p] === 0x2c) {
    const q = at(dv, b, p, L.rTailZero);
    if (q >= 0) {
      cols.push(k, start, end, samples, age, 0);
      return q;
    }
    const r = at(dv, b, p, L.rProbe);
    if (r >= 0) p = r;
  }
  let szf = 0;
  if (b[p] === 0x2c) {
    p = at(dv, b, p, L.rSzf);
    if (p < 0) return -1;
    p = sizeText(s, p);
    if (p < 0) return -1;
    szf = s.v;
  }
  p = at(dv, b, p, L.rClose);
  if (p < 0) return -1;
  cols.push(k, start, end, samples, age, szf);
  return p;
}

/** Reads snapshots in the two layouts; keeps one scanner per buffer (a buffer holds many snapshots). */
export class CompactReader {
  private scan: Scan | null = null;
  /** Zero-padded copy of the last bytes of a buffer, for the steps that start near its end. */
  private tailBytes = new Uint8Array(2 * STEP_BYTES);

  /**
   * Reads one snapshot at b[i] in the given layout; returns it, MISMATCH, or
   * NEED_MORE when it fails within the last STEP_BYTES of b (more bytes may make it
   * match; with no more bytes to come, treat it as MISMATCH).
   */
  read(b: Uint8Array, i: number, cols: RegionColumns, L: Layout = LAYOUTS[0]): CompactSnapshot | number {
    let s = this.scan;
    if (s === null || s.b.buffer !== b.buffer || s.b.byteOffset !== b.byteOffset || s.b.length !== b.length)
      s = this.scan = new Scan(b, b.length - STEP_BYTES, 0);
    return this.snapshot(s, i, L, cols);
  }

  /** Drops the reference to the last buffer. */
  release(): void {
    this.scan = null;
  }

  /** A scanner over a zero-padded copy of s's bytes from p on (fewer than STEP_BYTES of them). */
  private padded(s: Scan, p: number): Scan {
    const rest = s.b.subarray(p);
    const t = this.tailBytes;
    t.set(rest);
    t.fill(0, rest.length, rest.length + STEP_BYTES);
    return new Scan(t, Infinity, s.base + p);
  }

  private snapshot(s: Scan, p: number, L: Layout, cols: RegionColumns): CompactSnapshot | number {
    // every step below starts at most s.limit into s.b (else from a padded copy);
    // a failure in a padded copy is near the end of the bytes: maybe for want of more
    if (p > s.limit) {
      s = this.padded(s, p);
      p = 0;
    }
    const fail = (s: Scan): number => (s.limit === Infinity ? NEED_MORE : MISMATCH);
    const b0 = s.b;
    p = at(s.dv, b0, p, L.startTime);
    if (p < 0) return fail(s);
    p = quotedOrBare(s, p);
    if (p < 0) return fail(s);
    const startNs = s.v;
    p = at(s.dv, b0, p, L.endTime);
    if (p < 0) return fail(s);
    p = quotedOrBare(s, p);
    if (p < 0) return fail(s);
    const endNs = s.v;
    p = at(s.dv, b0, p, L.regions);
    if (p < 0) return fail(s);
    let k = 0;
    if (s.b[p] === 0x5d) p++;
    else {
      for (;;) {
        if (p > s.limit) {
          s = this.padded(s, p);
          p = 0;
        }
        p = region(s, p, L, cols, k);
        if (p < 0) return fail(s);
        k++;
        if (s.b[p] === 0x2c) {
          p++;
          continue;
        }
        p = at(s.dv, s.b, p, L.regionsEnd);
        if (p < 0) return fail(s);
        break;
      }
    }
    if (p > s.limit) {
      s = this.padded(s, p);
      p = 0;
    }
    // the optional keys start with ','; anything else must be the close
    p = optionalNumber(s, p, L.total);
    if (p < 0) return fail(s);
    const totalBytes = Number.isNaN(s.v) ? null : s.v;
    if (s.b[p] === 0x2c) {
      const q = at(s.dv, s.b, p, L.stats);
      if (q >= 0) p = q;
    }
    p = optionalNumber(s, p, L.sampleInterval);
    if (p < 0) return fail(s);
    const sampleIntervalUs = Number.isNaN(s.v) ? null : s.v;
    p = at(s.dv, s.b, p, L.close);
    if (p < 0) return fail(s);
    return { end: s.base + p, startNs, endNs, nr: k, totalBytes, sampleIntervalUs };
  }
}
