/**
 * Pattern reader for one snapshot in the compact layout damon-ts writes
 * (`{"start_time":"..","end_time":"..","regions":[{"start":"4,096",...}],...}`).
 * It checks every literal byte (four at a time) and parses numbers in place, with
 * no strings or objects created, which makes loading our own large records
 * several times faster than a general JSON parser. Anything else (other layouts,
 * extra keys, DAMOS stats) returns MISMATCH and the general path reads it.
 */

export const MISMATCH = -1;
export const NEED_MORE = -2;

interface Lit {
  len: number;
  words: Uint32Array;
  tail: Uint8Array;
}

function lit(s: string): Lit {
  const b = Buffer.from(s, "latin1");
  const nw = b.length >> 2;
  const words = new Uint32Array(nw);
  for (let i = 0; i < nw; i++) words[i] = b.readUInt32LE(i * 4);
  return { len: b.length, words, tail: Uint8Array.from(b.subarray(nw * 4)) };
}

const L_START_TIME = lit('{"start_time":');
const L_END_TIME = lit(',"end_time":');
const L_REGIONS = lit(',"regions":[');
const L_R_START = lit('{"start":"');
const L_R_END = lit('","end":"');
const L_R_NR = lit('","nr_accesses":{"samples":');
const L_R_AGE = lit(',"percent":null},"age":{"usec":null,"aggr_intervals":');
const L_R_SZF = lit(',"sz_filter_passed":"');
const L_TOTAL = lit(',"total_bytes":');
const L_STATS = lit(',"damos_stats":null}');
const L_NULL = lit("null");

const UNIT: Record<number, number> = {
  0x4b: 2 ** 10,
  0x4d: 2 ** 20,
  0x47: 2 ** 30,
  0x54: 2 ** 40,
  0x50: 2 ** 50,
  0x45: 2 ** 60,
};

/** 1 matched, 0 mismatched, -1 not enough bytes. */
function match(dv: DataView, b: Uint8Array, p: number, l: Lit): number {
  if (p + l.len > b.length) return -1;
  const w = l.words;
  for (let k = 0; k < w.length; k++) if (dv.getUint32(p + k * 4, true) !== w[k]) return 0;
  const t = l.tail;
  const q = p + w.length * 4;
  for (let k = 0; k < t.length; k++) if (b[q + k] !== t[k]) return 0;
  return 1;
}

export interface Columns {
  push(k: number, start: number, end: number, samples: number, age: number, szf: number): void;
}

export interface CompactSnapshot {
  end: number;
  startNs: number;
  endNs: number;
  nr: number;
  totalBytes: number | null;
}

/** Parses digits (and commas when `grouped`) from p; returns [value, next] or null. */
function num(b: Uint8Array, p: number, grouped: boolean, out: Float64Array): number {
  const n = b.length;
  let v = 0;
  let nd = 0;
  while (p < n) {
    const c = b[p];
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      nd++;
    } else if (!(grouped && c === 0x2c)) break;
    p++;
  }
  if (p >= n) return -2;
  if (nd === 0) return -1;
  out[0] = v;
  return p;
}

/** A time or size value: "123" or 123. */
function quotedOrBare(b: Uint8Array, p: number, out: Float64Array): number {
  if (p >= b.length) return -2;
  if (b[p] === 0x22) {
    const q = num(b, p + 1, false, out);
    if (q < 0) return q;
    if (b[q] !== 0x22) return -1;
    return q + 1;
  }
  return num(b, p, false, out);
}

/** Reads one snapshot at b[i]; returns it, MISMATCH or NEED_MORE. */
export function readCompactSnapshot(b: Uint8Array, i: number, cols: Columns): CompactSnapshot | number {
  const n = b.length;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float64Array(1);
  let p = i;
  let m: number;
  const bad = (code: number): number =>
    code === -2 || code === -1 ? (code === -2 ? NEED_MORE : MISMATCH) : MISMATCH;

  if ((m = match(dv, b, p, L_START_TIME)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p = quotedOrBare(b, p + L_START_TIME.len, out);
  if (p < 0) return bad(p);
  const startNs = out[0];
  if ((m = match(dv, b, p, L_END_TIME)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p = quotedOrBare(b, p + L_END_TIME.len, out);
  if (p < 0) return bad(p);
  const endNs = out[0];
  if ((m = match(dv, b, p, L_REGIONS)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p += L_REGIONS.len;
  let k = 0;
  if (p >= n) return NEED_MORE;
  if (b[p] === 0x5d) p++;
  else
    for (;;) {
      if ((m = match(dv, b, p, L_R_START)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p = num(b, p + L_R_START.len, true, out);
      if (p < 0) return bad(p);
      const start = out[0];
      if ((m = match(dv, b, p, L_R_END)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p = num(b, p + L_R_END.len, true, out);
      if (p < 0) return bad(p);
      const end = out[0];
      if ((m = match(dv, b, p, L_R_NR)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L_R_NR.len;
      if (p >= n) return NEED_MORE;
      const neg = b[p] === 0x2d;
      p = num(b, neg ? p + 1 : p, false, out);
      if (p < 0) return bad(p);
      const samples = neg ? -out[0] : out[0];
      if ((m = match(dv, b, p, L_R_AGE)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L_R_AGE.len;
      if (p >= n) return NEED_MORE;
      let age = NaN;
      if (b[p] === 0x6e) {
        if ((m = match(dv, b, p, L_NULL)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
        p += 4;
      } else {
        if (b[p] !== 0x22) return MISMATCH;
        p++;
        if (p >= n) return NEED_MORE;
        const aneg = b[p] === 0x2d;
        p = num(b, aneg ? p + 1 : p, true, out);
        if (p < 0) return bad(p);
        if (b[p] !== 0x22) return MISMATCH;
        p++;
        age = aneg ? -out[0] : out[0];
      }
      if (p + 1 >= n) return NEED_MORE;
      if (b[p] !== 0x7d) return MISMATCH;
      p++;
      let szf = 0;
      if (b[p] === 0x2c) {
        if ((m = match(dv, b, p, L_R_SZF)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
        p += L_R_SZF.len;
        const q = p;
        p = num(b, p, false, out);
        if (p < 0) return bad(p);
        if (p + 6 > n) return NEED_MORE;
        if (b[p] === 0x20 && b[p + 1] === 0x42 && b[p + 2] === 0x22) {
          szf = out[0];
          p += 3;
        } else if (b[p] === 0x2e) {
          p++;
          while (p < n && b[p] >= 0x30 && b[p] <= 0x39) p++;
          if (p + 5 > n) return NEED_MORE;
          const unit = UNIT[b[p + 1]];
          if (
            b[p] !== 0x20 ||
            unit === undefined ||
            b[p + 2] !== 0x69 ||
            b[p + 3] !== 0x42 ||
            b[p + 4] !== 0x22
          )
            return MISMATCH;
          // parsed as damo does: float(text) * unit, truncated
          szf = Math.trunc(Number(Buffer.from(b.buffer, b.byteOffset + q, p - q).toString("latin1")) * unit);
          p += 5;
        } else return MISMATCH;
      }
      if (p + 1 >= n) return NEED_MORE;
      if (b[p] !== 0x7d || end < start) return MISMATCH;
      p++;
      cols.push(k++, start, end, samples, age, szf);
      const c = b[p];
      p++;
      if (c === 0x2c) continue;
      if (c === 0x5d) break;
      return MISMATCH;
    }
  if ((m = match(dv, b, p, L_TOTAL)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p += L_TOTAL.len;
  let totalBytes: number | null = null;
  if (p >= n) return NEED_MORE;
  if (b[p] === 0x6e) {
    if ((m = match(dv, b, p, L_NULL)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
    p += 4;
  } else {
    p = quotedOrBare(b, p, out);
    if (p < 0) return bad(p);
    totalBytes = out[0];
  }
  if ((m = match(dv, b, p, L_STATS)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p += L_STATS.len;
  return { end: p, startNs, endNs, nr: k, totalBytes };
}
