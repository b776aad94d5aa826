/**
 * The compact binary form in which snapshots travel from the server to the page
 * (docs/ui.md). Shared by the server (encode) and the page (decode); it imports
 * nothing from Node or the DOM.
 *
 * Most of a record is small integers: region boundaries are page multiples, each
 * region starts where the previous one ended, nr_accesses and ages are small. So
 * every per-region column travels in the narrowest fixed width that holds it
 * (u8, u16 or u32; f32 for fractions), which the page widens into its typed
 * arrays with one native `TypedArray.set` — no per-value decoding in script.
 * Addresses travel as region sizes in granules (the largest power of two, at most
 * 4 KiB, dividing every address) plus the few "breaks" where a region does not
 * start at the previous one's end (a snapshot's first region, the gaps between
 * heap, mmap area and stack); one pass on the page rebuilds start and end. About
 * 4-5 bytes a region instead of 24. Addresses off any integer grid travel as raw
 * f64 start/end instead.
 *
 * Layout: 8 x u32 header (magic, version, first snapshot, snapshot count, region
 * count, flags, probe count, granule); u32 break count; one u32 descriptor per
 * column (size, samples, age, each probe: kind | bias << 8, bias 1 meaning 0 is
 * "unknown" and v is v - 1); then, each 8-byte aligned: f64 startNs[c], f64
 * endNs[c], u32 nr[c], u32 breakIndex[b], f64 breakStart[b], the columns, f32
 * trueFreq[n] (flag HAS_TRUTH), f64 start[n] and end[n] (flag RAW_ADDR).
 */

export const WIRE_MAGIC = 0x49555444; // "DTUI"
export const WIRE_VERSION = 3;
const HEADER_WORDS = 9;
const HAS_TRUTH = 1;
const RAW_ADDR = 2;
/** Largest granule tried: DAMON's regions are page multiples. */
const MAX_GRANULE = 4096;

/** How a column travels (NONE: not at all, raw addresses instead of sizes). */
const Kind = { U8: 0, U16: 1, U32: 2, F32: 3, F64: 4, NONE: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
const WIDTH = [1, 2, 4, 4, 8, 0];

/** Snapshots as columns; `offsets[i]..offsets[i+1]` are snapshot i's regions. */
export interface SnapshotColumns {
  first: number;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  offsets: Uint32Array;
  start: Float64Array;
  end: Float64Array;
  samples: Float32Array;
  age: Float32Array;
  /** Per probe index, hits per region (NaN: the region has no such probe). */
  probeHits: Float32Array[];
  /** Empty when no snapshot of the chunk has the truth. */
  trueFreq: Float32Array;
  /**
   * Regions that do not start where the previous region of their snapshot ended
   * (every snapshot's first region among them), ascending: each starts a run of
   * contiguous regions, which the page handles as one piece.
   */
  breaks: Uint32Array;
}

/** One snapshot being encoded. */
export interface WireSnapshot {
  startNs: number;
  endNs: number;
  nr: number;
  start: ArrayLike<number>;
  end: ArrayLike<number>;
  samples: ArrayLike<number>;
  age: ArrayLike<number>;
  /** Per probe index, hits per region (NaN: none), as records keep them. */
  probeHits?: readonly ArrayLike<number>[];
  /** True access frequency (0..1) per region, for simulated runs. */
  trueFreq?: ArrayLike<number> | null;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** The narrowest kind that holds every value (NaN: unknown, with bias 1) of a column. */
function columnKind(values: Float64Array, wide: boolean): { kind: Kind; bias: number } {
  let max = 0;
  let ints = true;
  let unknown = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) unknown = true;
    else if (!(Number.isInteger(v) && v >= 0)) ints = false;
    else if (v > max) max = v;
  }
  if (!ints) return { kind: wide ? Kind.F64 : Kind.F32, bias: 0 };
  const bias = unknown ? 1 : 0;
  const top = max + bias;
  const kind = top < 256 ? Kind.U8 : top < 65536 ? Kind.U16 : top < 2 ** 32 ? Kind.U32 : Kind.F64;
  return { kind, bias };
}

interface Cursor {
  at: number;
}
const take = (c: Cursor, bytes: number): number => {
  c.at = align8(c.at);
  const o = c.at;
  c.at += bytes;
  return o;
};

function view(buf: ArrayBuffer, off: number, kind: Kind, n: number) {
  switch (kind) {
    case Kind.U8:
      return new Uint8Array(buf, off, n);
    case Kind.U16:
      return new Uint16Array(buf, off, n);
    case Kind.U32:
      return new Uint32Array(buf, off, n);
    case Kind.F32:
      return new Float32Array(buf, off, n);
    default:
      return new Float64Array(buf, off, kind === Kind.NONE ? 0 : n);
  }
}

/** Encodes snapshots `first..first+list.length` into one buffer. */
export function encodeSnapshots(first: number, list: readonly WireSnapshot[]): ArrayBuffer {
  let n = 0;
  for (const s of list) n += s.nr;
  const count = list.length;
  const nProbes = Math.max(0, ...list.map((s) => s.probeHits?.length ?? 0));
  const truth = list.some((s) => s.trueFreq);
  // gather the columns (and the addresses' common granule)
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const cols = Array.from({ length: 3 + nProbes }, () => new Float64Array(n));
  const [size, samples, age] = cols;
  const trueFreq = new Float64Array(truth ? n : 0);
  let low = MAX_GRANULE;
  let rawAddr = false;
  const breaks: number[] = [];
  let r = 0;
  for (const s of list) {
    let prev = NaN;
    for (let i = 0; i < s.nr; i++, r++) {
      const a = s.start[i];
      const b = s.end[i];
      start[r] = a;
      end[r] = b;
      if (!(Number.isSafeInteger(a) && Number.isSafeInteger(b) && a >= 0 && b >= a)) rawAddr = true;
      else low |= (a % MAX_GRANULE) | (b % MAX_GRANULE);
      if (a !== prev) breaks.push(r);
      prev = b;
      samples[r] = s.samples[i];
      age[r] = s.age[i];
      for (let p = 0; p < nProbes; p++) cols[3 + p][r] = s.probeHits?.[p]?.[i] ?? NaN;
      if (truth) trueFreq[r] = s.trueFreq ? s.trueFreq[i] : NaN;
    }
  }
  // the lowest set bit of `low` is the largest power of two dividing every address
  const granule = rawAddr ? 0 : low & -low;
  if (rawAddr) breaks.length = 0;
  else for (let i = 0; i < n; i++) size[i] = (end[i] - start[i]) / granule;
  const kinds = cols.map((c, k) =>
    k === 0 && rawAddr ? { kind: Kind.NONE, bias: 0 } : columnKind(c, k === 0),
  );
  // the layout, then the bytes
  const cur: Cursor = { at: (HEADER_WORDS + kinds.length) * 4 };
  const o = {
    startNs: take(cur, 8 * count),
    endNs: take(cur, 8 * count),
    nr: take(cur, 4 * count),
    breakIdx: take(cur, 4 * breaks.length),
    breakAt: take(cur, 8 * breaks.length),
    cols: kinds.map((k) => take(cur, WIDTH[k.kind] * n)),
    trueFreq: take(cur, truth ? 4 * n : 0),
    start: take(cur, rawAddr ? 8 * n : 0),
    end: take(cur, rawAddr ? 8 * n : 0),
  };
  const buf = new ArrayBuffer(align8(cur.at));
  const flags = (truth ? HAS_TRUTH : 0) | (rawAddr ? RAW_ADDR : 0);
  const head = new Uint32Array(buf, 0, HEADER_WORDS + kinds.length);
  head.set([WIRE_MAGIC, WIRE_VERSION, first, count, n, flags, nProbes, granule, breaks.length]);
  kinds.forEach((k, i) => (head[HEADER_WORDS + i] = k.kind | (k.bias << 8)));
  const startNs = new Float64Array(buf, o.startNs, count);
  const endNs = new Float64Array(buf, o.endNs, count);
  const nr = new Uint32Array(buf, o.nr, count);
  list.forEach((s, k) => {
    startNs[k] = s.startNs;
    endNs[k] = s.endNs;
    nr[k] = s.nr;
  });
  new Uint32Array(buf, o.breakIdx, breaks.length).set(breaks);
  const breakAt = new Float64Array(buf, o.breakAt, breaks.length);
  breaks.forEach((i, k) => (breakAt[k] = start[i]));
  cols.forEach((c, k) => {
    const { kind, bias } = kinds[k];
    if (kind === Kind.NONE) return;
    const out = view(buf, o.cols[k], kind, n);
    if (bias === 0) out.set(c);
    else for (let i = 0; i < n; i++) out[i] = c[i] !== c[i] ? 0 : c[i] + bias;
  });
  if (truth) new Float32Array(buf, o.trueFreq, n).set(trueFreq);
  if (rawAddr) {
    new Float64Array(buf, o.start, n).set(start);
    new Float64Array(buf, o.end, n).set(end);
  }
  return buf;
}

/** Decodes a buffer made by `encodeSnapshots`; throws on a foreign or damaged buffer. */
export function decodeSnapshots(buf: ArrayBuffer): SnapshotColumns {
  if (buf.byteLength < HEADER_WORDS * 4) throw new Error("snapshot data too short");
  const [magic, version, first, count, n, flags, nProbes, granule, nBreaks] = new Uint32Array(
    buf,
    0,
    HEADER_WORDS,
  );
  if (magic !== WIRE_MAGIC || version !== WIRE_VERSION) throw new Error("not damon-ts ui snapshot data");
  const nCols = 3 + nProbes;
  if (buf.byteLength < (HEADER_WORDS + nCols) * 4) throw new Error("snapshot data truncated");
  const desc = new Uint32Array(buf, HEADER_WORDS * 4, nCols);
  const kinds = Array.from(desc, (d) => ({ kind: (d & 255) as Kind, bias: d >> 8 }));
  if (kinds.some((k) => !(k.kind in WIDTH))) throw new Error("snapshot data damaged");
  const rawAddr = (flags & RAW_ADDR) !== 0;
  const truth = (flags & HAS_TRUTH) !== 0;
  const cur: Cursor = { at: (HEADER_WORDS + nCols) * 4 };
  const o = {
    startNs: take(cur, 8 * count),
    endNs: take(cur, 8 * count),
    nr: take(cur, 4 * count),
    breakIdx: take(cur, 4 * nBreaks),
    breakAt: take(cur, 8 * nBreaks),
    cols: kinds.map((k) => take(cur, WIDTH[k.kind] * n)),
    trueFreq: take(cur, truth ? 4 * n : 0),
    start: take(cur, rawAddr ? 8 * n : 0),
    end: take(cur, rawAddr ? 8 * n : 0),
  };
  if (buf.byteLength < align8(cur.at)) throw new Error("snapshot data truncated");
  if (buf.byteLength > align8(cur.at)) throw new Error("snapshot data has trailing bytes");
  /** A column widened into f32 (the page's type); bias 1: 0 is unknown (NaN), v is v - 1. */
  const f32 = (k: number): Float32Array => {
    const out = new Float32Array(n);
    const { kind, bias } = kinds[k];
    out.set(view(buf, o.cols[k], kind, n));
    if (bias === 1)
      for (let i = 0; i < n; i++) {
        const v = out[i];
        out[i] = v === 0 ? NaN : v - 1;
      }
    return out;
  };
  const c: SnapshotColumns = {
    first,
    count,
    startNs: new Float64Array(buf, o.startNs, count),
    endNs: new Float64Array(buf, o.endNs, count),
    offsets: new Uint32Array(count + 1),
    start: rawAddr ? new Float64Array(buf, o.start, n) : new Float64Array(n),
    end: rawAddr ? new Float64Array(buf, o.end, n) : new Float64Array(n),
    samples: f32(1),
    age: f32(2),
    probeHits: Array.from({ length: nProbes }, (_, p) => f32(3 + p)),
    trueFreq: new Float32Array(buf, o.trueFreq, truth ? n : 0),
    breaks: new Uint32Array(buf, o.breakIdx, nBreaks),
  };
  const nr = new Uint32Array(buf, o.nr, count);
  for (let k = 0; k < count; k++) c.offsets[k + 1] = c.offsets[k] + nr[k];
  if (c.offsets[count] !== n) throw new Error("snapshot data damaged");
  if (rawAddr) c.breaks = findBreaks(c);
  else {
    // sizes into `end`, then one pass: a region starts at a break or at the previous end
    c.end.set(view(buf, o.cols[0], kinds[0].kind, n));
    const idx = new Uint32Array(buf, o.breakIdx, nBreaks);
    const at = new Float64Array(buf, o.breakAt, nBreaks);
    const { start, end } = c;
    let prev = 0;
    let b = 0;
    let nextBreak = nBreaks > 0 ? idx[0] : n;
    for (let i = 0; i < n; i++) {
      if (i === nextBreak) {
        prev = at[b++];
        nextBreak = b < nBreaks ? idx[b] : n;
      }
      start[i] = prev;
      prev += end[i] * granule;
      end[i] = prev;
    }
    if (b !== nBreaks) throw new Error("snapshot data damaged");
  }
  return c;
}

/** The breaks of raw addresses (sent without them). */
function findBreaks(c: SnapshotColumns): Uint32Array {
  const out: number[] = [];
  for (let k = 0; k < c.count; k++)
    for (let i = c.offsets[k]; i < c.offsets[k + 1]; i++)
      if (i === c.offsets[k] || c.start[i] !== c.end[i - 1]) out.push(i);
  return Uint32Array.from(out);
}
