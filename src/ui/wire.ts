/**
 * The compact binary form in which snapshots travel from the server to the page
 * (docs/ui.md): typed-array columns, little-endian, each array 8-byte aligned so
 * the page views them without copying. Shared by the server (encode) and the page
 * (decode); it imports nothing from Node or the DOM.
 *
 * Layout: u32 magic, u32 version, u32 first snapshot index, u32 snapshot count,
 * u32 region count, u32 flags; then f64 startNs[c], f64 endNs[c], u32 offsets[c+1]
 * (region index of each snapshot, relative to this chunk), f64 start[n], f64 end[n],
 * f32 samples[n], f32 age[n] (NaN: unknown), f32 trueFreq[n] (NaN: no truth) — the
 * last only when flag HAS_TRUTH is set (records have no truth: 4 bytes a region saved).
 */

export const WIRE_MAGIC = 0x49555444; // "DTUI"
export const WIRE_VERSION = 1;
const HEADER_BYTES = 24;
const HAS_TRUTH = 1;

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
  /** Empty when no snapshot of the chunk has the truth. */
  trueFreq: Float32Array;
}

const align8 = (n: number): number => (n + 7) & ~7;

function layout(count: number, n: number, truth: boolean): number[] {
  const sizes = [8 * count, 8 * count, 4 * (count + 1), 8 * n, 8 * n, 4 * n, 4 * n, truth ? 4 * n : 0];
  const offs: number[] = [];
  let at = HEADER_BYTES;
  for (const s of sizes) {
    at = align8(at);
    offs.push(at);
    at += s;
  }
  offs.push(align8(at));
  return offs;
}

/** One region of a snapshot being encoded. */
export interface WireSnapshot {
  startNs: number;
  endNs: number;
  nr: number;
  start: ArrayLike<number>;
  end: ArrayLike<number>;
  samples: ArrayLike<number>;
  age: ArrayLike<number>;
  /** True access frequency (0..1) per region, for simulated runs. */
  trueFreq?: ArrayLike<number> | null;
}

/** Encodes snapshots `first..first+list.length` into one buffer. */
export function encodeSnapshots(first: number, list: readonly WireSnapshot[]): ArrayBuffer {
  let n = 0;
  for (const s of list) n += s.nr;
  const count = list.length;
  const truth = list.some((s) => s.trueFreq);
  const offs = layout(count, n, truth);
  const buf = new ArrayBuffer(offs[8]);
  const head = new Uint32Array(buf, 0, 6);
  head.set([WIRE_MAGIC, WIRE_VERSION, first, count, n, truth ? HAS_TRUTH : 0]);
  const c = viewColumns(buf, offs, first, count, n, truth);
  let r = 0;
  list.forEach((s, i) => {
    c.startNs[i] = s.startNs;
    c.endNs[i] = s.endNs;
    c.offsets[i] = r;
    for (let j = 0; j < s.nr; j++, r++) {
      c.start[r] = s.start[j];
      c.end[r] = s.end[j];
      c.samples[r] = s.samples[j];
      c.age[r] = s.age[j];
      if (truth) c.trueFreq[r] = s.trueFreq ? s.trueFreq[j] : NaN;
    }
  });
  c.offsets[count] = r;
  return buf;
}

function viewColumns(
  buf: ArrayBuffer,
  o: number[],
  first: number,
  count: number,
  n: number,
  truth: boolean,
): SnapshotColumns {
  return {
    first,
    count,
    startNs: new Float64Array(buf, o[0], count),
    endNs: new Float64Array(buf, o[1], count),
    offsets: new Uint32Array(buf, o[2], count + 1),
    start: new Float64Array(buf, o[3], n),
    end: new Float64Array(buf, o[4], n),
    samples: new Float32Array(buf, o[5], n),
    age: new Float32Array(buf, o[6], n),
    trueFreq: new Float32Array(buf, o[7], truth ? n : 0),
  };
}

/** Views a buffer made by `encodeSnapshots` (no copy); throws on a foreign buffer. */
export function decodeSnapshots(buf: ArrayBuffer): SnapshotColumns {
  if (buf.byteLength < HEADER_BYTES) throw new Error("snapshot data too short");
  const [magic, version, first, count, n, flags] = new Uint32Array(buf, 0, 6);
  if (magic !== WIRE_MAGIC || version !== WIRE_VERSION) throw new Error("not damon-ts ui snapshot data");
  const truth = (flags & HAS_TRUTH) !== 0;
  const offs = layout(count, n, truth);
  if (buf.byteLength < offs[8]) throw new Error("snapshot data truncated");
  return viewColumns(buf, offs, first, count, n, truth);
}
