/**
 * Pattern reader for one snapshot in the two layouts records are written in: the
 * compact one damon-ts writes (`{"start_time":"..","regions":[{"start":"4,096",...`)
 * and damo's json.dumps(indent=4). It checks every literal byte (four at a time)
 * and parses numbers in place, with no strings or objects created, which makes
 * loading large records several times faster than a general JSON parser. Anything
 * else (other layouts, extra keys, DAMOS stats) returns MISMATCH and the general
 * path reads the snapshot.
 */

export const MISMATCH = -1;
export const NEED_MORE = -2;

interface Lit {
  len: number;
  /** the literal as little-endian doubles, 8 bytes each (ASCII text is never NaN or -0) */
  words: Float64Array;
  tail: Uint8Array;
}

function lit(s: string): Lit {
  const b = Buffer.from(s, "latin1");
  const nw = b.length >> 3;
  const words = new Float64Array(nw);
  for (let i = 0; i < nw; i++) words[i] = b.readDoubleLE(i * 8);
  return { len: b.length, words, tail: Uint8Array.from(b.subarray(nw * 8)) };
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
  rNext: Lit;
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
    rNext: lit(","),
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

/** 1 matched, 0 mismatched, -1 not enough bytes. */
function match(dv: DataView, b: Uint8Array, p: number, l: Lit): number {
  if (p + l.len > b.length) return -1;
  const w = l.words;
  // comparing 8 bytes at a time as doubles: equal doubles here mean equal bytes,
  // since no ASCII literal is a NaN, a zero or a value with two encodings
  for (let k = 0; k < w.length; k++) if (dv.getFloat64(p + k * 8, true) !== w[k]) return 0;
  const t = l.tail;
  const q = p + w.length * 8;
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
  sampleIntervalUs: number | null;
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

/**
 * An optional `,"key": null` or `,"key": <number>` at p: returns the index after it
 * (p itself when the key is not there) with out[0] the number, NaN for null or absent;
 * or NEED_MORE / MISMATCH.
 */
function optionalNumber(
  dv: DataView,
  b: Uint8Array,
  p: number,
  key: Lit,
  nul: Lit,
  out: Float64Array,
): number {
  out[0] = NaN;
  if (p >= b.length) return NEED_MORE;
  if (b[p] !== 0x2c) return p;
  const m = match(dv, b, p, key);
  if (m !== 1) return m < 0 ? NEED_MORE : p;
  p += key.len;
  if (p >= b.length) return NEED_MORE;
  if (b[p] === 0x6e) {
    const k = match(dv, b, p, nul);
    return k === 1 ? p + 4 : k < 0 ? NEED_MORE : MISMATCH;
  }
  // quotedOrBare's -2 and -1 are NEED_MORE and MISMATCH
  return quotedOrBare(b, p, out);
}

/** Reads one snapshot at b[i] in the given layout; returns it, MISMATCH or NEED_MORE. */
export function readCompactSnapshot(
  b: Uint8Array,
  i: number,
  cols: Columns,
  L: Layout = LAYOUTS[0],
): CompactSnapshot | number {
  const n = b.length;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float64Array(1);
  let p = i;
  let m: number;
  const bad = (code: number): number => (code === -2 ? NEED_MORE : MISMATCH);

  if ((m = match(dv, b, p, L.startTime)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p = quotedOrBare(b, p + L.startTime.len, out);
  if (p < 0) return bad(p);
  const startNs = out[0];
  if ((m = match(dv, b, p, L.endTime)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p = quotedOrBare(b, p + L.endTime.len, out);
  if (p < 0) return bad(p);
  const endNs = out[0];
  if ((m = match(dv, b, p, L.regions)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p += L.regions.len;
  let k = 0;
  if (p >= n) return NEED_MORE;
  if (b[p] === 0x5d) p++;
  else
    for (;;) {
      if ((m = match(dv, b, p, L.rStart)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p = num(b, p + L.rStart.len, true, out);
      if (p < 0) return bad(p);
      const start = out[0];
      if ((m = match(dv, b, p, L.rEnd)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p = num(b, p + L.rEnd.len, true, out);
      if (p < 0) return bad(p);
      const end = out[0];
      if ((m = match(dv, b, p, L.rNr)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rNr.len;
      if (p >= n) return NEED_MORE;
      const neg = b[p] === 0x2d;
      p = num(b, neg ? p + 1 : p, false, out);
      if (p < 0) return bad(p);
      const samples = neg ? -out[0] : out[0];
      // percent: null (damon-ts) or the number damo derives from samples (not used)
      if ((m = match(dv, b, p, L.rPercent)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rPercent.len;
      if (p >= n) return NEED_MORE;
      if (b[p] === 0x6e) {
        if ((m = match(dv, b, p, L.nul)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
        p += 4;
      } else {
        p = num(b, p, false, out);
        if (p < 0) return bad(p);
      }
      // usec: null (damon-ts) or damo's time text ("0 ns"), not used when aggr_intervals is given
      if ((m = match(dv, b, p, L.rAgeHead)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rAgeHead.len;
      if (p >= n) return NEED_MORE;
      let usecNull = true;
      if (b[p] === 0x6e) {
        if ((m = match(dv, b, p, L.nul)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
        p += 4;
      } else if (b[p] === 0x22) {
        let q = p + 1;
        while (q < n && b[q] !== 0x22) {
          if (b[q] === 0x5c || b[q] < 0x20) return MISMATCH;
          q++;
        }
        if (q >= n) return NEED_MORE;
        p = q + 1;
        usecNull = false;
      } else return MISMATCH;
      if ((m = match(dv, b, p, L.rAggr)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rAggr.len;
      if (p >= n) return NEED_MORE;
      let age = NaN;
      if (b[p] === 0x6e) {
        if ((m = match(dv, b, p, L.nul)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
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
      // an age given only in usec is converted by the general reader
      if (Number.isNaN(age) && !usecNull) return MISMATCH;
      if ((m = match(dv, b, p, L.rAgeEnd)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rAgeEnd.len;
      if (p >= n) return NEED_MORE;
      if (b[p] === 0x2c) {
        if ((m = match(dv, b, p, L.rProbe)) === 1) p += L.rProbe.len;
        else if (m < 0) return NEED_MORE;
        if (p >= n) return NEED_MORE;
      }
      let szf = 0;
      if (b[p] === 0x2c) {
        if ((m = match(dv, b, p, L.rSzf)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
        p += L.rSzf.len;
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
      if ((m = match(dv, b, p, L.rClose)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.rClose.len;
      if (end < start) return MISMATCH;
      cols.push(k++, start, end, samples, age, szf);
      if (p >= n) return NEED_MORE;
      if (b[p] === 0x2c) {
        p++;
        continue;
      }
      if ((m = match(dv, b, p, L.regionsEnd)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
      p += L.regionsEnd.len;
      break;
    }
  // the optional keys start with ','; anything else must be the close (which needs no more data)
  p = optionalNumber(dv, b, p, L.total, L.nul, out);
  if (p < 0) return p;
  const totalBytes = Number.isNaN(out[0]) ? null : out[0];
  if (p >= n) return NEED_MORE;
  if (b[p] === 0x2c && (m = match(dv, b, p, L.stats)) === 1) p += L.stats.len;
  else if (b[p] === 0x2c && m < 0) return NEED_MORE;
  p = optionalNumber(dv, b, p, L.sampleInterval, L.nul, out);
  if (p < 0) return p;
  const sampleIntervalUs = Number.isNaN(out[0]) ? null : out[0];
  if ((m = match(dv, b, p, L.close)) !== 1) return m < 0 ? NEED_MORE : MISMATCH;
  p += L.close.len;
  return { end: p, startNs, endNs, nr: k, totalBytes, sampleIntervalUs };
}
