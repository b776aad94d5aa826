/**
 * A run's snapshots on the page: growable typed-array columns fed by wire chunks,
 * the address ranges the regions cover (so the huge unmapped gaps between heap,
 * mmap area and stack never take screen space), and per-snapshot series.
 */
import type { SnapshotColumns } from "../wire.js";

export class RunData {
  nSnap = 0;
  nReg = 0;
  startNs: Float64Array = new Float64Array(0);
  endNs: Float64Array = new Float64Array(0);
  /** Region index of each snapshot's first region; `offsets[nSnap]` = nReg. */
  offsets: Uint32Array = new Uint32Array(1);
  start: Float64Array = new Float64Array(0);
  end: Float64Array = new Float64Array(0);
  samples: Float32Array = new Float32Array(0);
  age: Float32Array = new Float32Array(0);
  /** True frequency per region; empty while no chunk had the truth (records). */
  trueFreq: Float32Array = new Float32Array(0);
  /** Every snapshot's regions are in address order (as DAMON keeps them); views may then search. */
  sorted = true;

  /** Appends a chunk that starts at snapshot `nSnap` (the first chunk is adopted without copying). */
  append(c: SnapshotColumns): void {
    if (c.first !== this.nSnap) throw new Error(`chunk starts at ${c.first}, have ${this.nSnap}`);
    if (c.count === 0) return;
    for (let i = 0; i < c.count && this.sorted; i++)
      for (let j = c.offsets[i] + 1; j < c.offsets[i + 1]; j++)
        if (c.start[j] < c.end[j - 1]) {
          this.sorted = false;
          break;
        }
    if (this.nSnap === 0) {
      Object.assign(this, {
        startNs: c.startNs,
        endNs: c.endNs,
        offsets: c.offsets,
        start: c.start,
        end: c.end,
        samples: c.samples,
        age: c.age,
        trueFreq: c.trueFreq,
      });
      this.nSnap = c.count;
      this.nReg = c.offsets[c.count];
      return;
    }
    const s = this.nSnap + c.count;
    const r = this.nReg + c.offsets[c.count];
    this.startNs = grow(this.startNs, this.nSnap, s, c.startNs);
    this.endNs = grow(this.endNs, this.nSnap, s, c.endNs);
    const offs = c.offsets.subarray(1).map((x) => x + this.nReg);
    this.offsets = grow(this.offsets, this.nSnap + 1, s + 1, offs);
    this.start = grow(this.start, this.nReg, r, c.start);
    this.end = grow(this.end, this.nReg, r, c.end);
    this.samples = grow(this.samples, this.nReg, r, c.samples);
    this.age = grow(this.age, this.nReg, r, c.age);
    if (c.trueFreq.length > 0 || this.trueFreq.length > 0) {
      const nan = (n: number): Float32Array => new Float32Array(n).fill(NaN);
      const old = this.trueFreq.length >= this.nReg ? this.trueFreq : nan(this.nReg);
      this.trueFreq = grow(old, this.nReg, r, c.trueFreq.length > 0 ? c.trueFreq : nan(r - this.nReg));
    }
    this.nSnap = s;
    this.nReg = r;
  }

  /** True frequency of region i, NaN when unknown. */
  truthAt(i: number): number {
    return i < this.trueFreq.length ? this.trueFreq[i] : NaN;
  }

  /** Index of the snapshot covering time `t` (the last that started at or before it), or -1. */
  snapshotAt(t: number): number {
    let lo = 0;
    let hi = this.nSnap - 1;
    if (hi < 0 || t < this.startNs[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.startNs[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return t < this.endNs[lo] ? lo : -1;
  }

  /** Index of the region of snapshot `s` that holds address `a`, or -1. */
  regionAt(s: number, a: number): number {
    for (let i = this.offsets[s]; i < this.offsets[s + 1]; i++)
      if (this.start[i] <= a && a < this.end[i]) return i;
    return -1;
  }
}

type Typed = Float64Array | Float32Array | Uint32Array;

/** `old[0..used)` followed by `add`, in an array of at least `need` (doubling). */
function grow<T extends Typed>(old: T, used: number, need: number, add: T): T {
  let out = old;
  if (old.length < need) {
    const C = old.constructor as new (n: number) => T;
    out = new C(Math.max(need, old.length * 2));
    out.set(old.subarray(0, used));
  }
  out.set(add, used);
  return out;
}

/** Address ranges with the gaps between them removed: `disp[k]` is where range k starts on screen. */
export interface AddrRanges {
  start: number[];
  end: number[];
  disp: number[];
  total: number;
}

/** The union of all regions' address intervals (touching intervals merged). */
export function addressRanges(d: RunData): AddrRanges {
  const iv: [number, number][] = [];
  for (let s = 0; s < d.nSnap; s++) {
    let a = NaN;
    let b = NaN;
    for (let i = d.offsets[s]; i < d.offsets[s + 1]; i++) {
      if (d.start[i] === b) {
        b = d.end[i];
        continue;
      }
      if (!Number.isNaN(a)) iv.push([a, b]);
      a = d.start[i];
      b = d.end[i];
    }
    if (!Number.isNaN(a)) iv.push([a, b]);
  }
  iv.sort((x, y) => x[0] - y[0]);
  const out: AddrRanges = { start: [], end: [], disp: [], total: 0 };
  for (const [a, b] of iv) {
    const k = out.end.length - 1;
    if (k >= 0 && a <= out.end[k]) out.end[k] = Math.max(out.end[k], b);
    else {
      out.start.push(a);
      out.end.push(b);
    }
  }
  for (let k = 0; k < out.start.length; k++) {
    out.disp.push(out.total);
    out.total += out.end[k] - out.start[k];
  }
  return out;
}

/** Index of the range holding address `a` (ranges are sorted), or -1. */
export function rangeOf(r: AddrRanges, a: number): number {
  let lo = 0;
  let hi = r.start.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a < r.start[mid]) hi = mid - 1;
    else if (a >= r.end[mid]) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Screen (gap-free) coordinate of an address in range k. */
export function toDisp(r: AddrRanges, k: number, a: number): number {
  return r.disp[k] + (a - r.start[k]);
}

/** The address at a screen coordinate (and its range), or null past the end. */
export function fromDisp(r: AddrRanges, x: number): { k: number; addr: number } | null {
  if (x < 0 || x >= r.total) return null;
  let k = r.disp.length - 1;
  while (k > 0 && r.disp[k] > x) k--;
  return { k, addr: r.start[k] + (x - r.disp[k]) };
}

/** Per range: bytes x nr_accesses x time, as a share of the whole record's. */
export function heatShares(d: RunData, r: AddrRanges): number[] {
  const heat = r.start.map(() => 0);
  for (let s = 0; s < d.nSnap; s++) {
    const dt = d.endNs[s] - d.startNs[s];
    for (let i = d.offsets[s]; i < d.offsets[s + 1]; i++) {
      const k = rangeOf(r, d.start[i]);
      if (k >= 0) heat[k] += (d.end[i] - d.start[i]) * d.samples[i] * dt;
    }
  }
  const all = heat.reduce((a, b) => a + b, 0);
  return heat.map((h) => (all > 0 ? h / all : 0));
}

const wssMemo = new WeakMap<RunData, { n: number; wss: Float64Array; nrRegions: Float64Array }>();

/** Per snapshot: bytes of regions with at least one access (damo's WSS), and the region count. */
export function wssSeries(d: RunData): { wss: Float64Array; nrRegions: Float64Array } {
  const m = wssMemo.get(d);
  if (m && m.n === d.nSnap) return m;
  const wss = new Float64Array(d.nSnap);
  const nrRegions = new Float64Array(d.nSnap);
  for (let s = 0; s < d.nSnap; s++) {
    let w = 0;
    for (let i = d.offsets[s]; i < d.offsets[s + 1]; i++) if (d.samples[i] > 0) w += d.end[i] - d.start[i];
    wss[s] = w;
    nrRegions[s] = d.offsets[s + 1] - d.offsets[s];
  }
  wssMemo.set(d, { n: d.nSnap, wss, nrRegions });
  return { wss, nrRegions };
}

/** The p-th percentile (0..100) of values, nearest rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const v = Array.from(values).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}
