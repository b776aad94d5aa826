/**
 * A run's snapshots on the page: growable typed-array columns fed by wire chunks,
 * the address ranges the regions cover (so the huge unmapped gaps between heap,
 * mmap area and stack never take screen space), and per-snapshot series.
 */
import type { UiRunMeta } from "../store.js";
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
  /** Per probe index, hits per region (NaN: none); empty while no chunk had probes. */
  probeHits: Float32Array[] = [];
  /** True frequency per region; empty while no chunk had the truth (records). */
  trueFreq: Float32Array = new Float32Array(0);
  /** Every snapshot's regions are in address order (as DAMON keeps them). */
  sorted = true;
  /**
   * Runs of contiguous regions ("segments": a region starting where the previous one
   * of its snapshot ended continues the segment): the index of each one's first region.
   * A segment lies inside one address range and its regions are in address order, so
   * views search and skip whole segments. DAMON's snapshots have one per address range.
   */
  segStart: Uint32Array = new Uint32Array(0);
  nSeg = 0;
  /** Index of each snapshot's first segment; `snapSeg[nSnap]` = nSeg. */
  snapSeg: Uint32Array = new Uint32Array(1);

  /** Appends a chunk that starts at snapshot `nSnap` (the first chunk is adopted without copying). */
  append(c: SnapshotColumns): void {
    if (c.first !== this.nSnap) throw new Error(`chunk starts at ${c.first}, have ${this.nSnap}`);
    if (c.count === 0) return;
    // in order when no segment starts before the end of the one before it in its snapshot
    const nb = c.breaks.length;
    const snapSeg = new Uint32Array(c.count + 1);
    for (let k = 0, j = 0; k < c.count; k++) {
      while (j < nb && c.breaks[j] < c.offsets[k]) j++;
      snapSeg[k] = j;
      for (let q = j + 1; q < nb && c.breaks[q] < c.offsets[k + 1] && this.sorted; q++)
        if (c.start[c.breaks[q]] < c.end[c.breaks[q] - 1]) this.sorted = false;
    }
    snapSeg[c.count] = nb;
    if (this.nSnap === 0) {
      this.segStart = c.breaks;
      this.nSeg = nb;
      this.snapSeg = snapSeg;
      Object.assign(this, {
        startNs: c.startNs,
        endNs: c.endNs,
        offsets: c.offsets,
        start: c.start,
        end: c.end,
        samples: c.samples,
        age: c.age,
        probeHits: c.probeHits,
        trueFreq: c.trueFreq,
      });
      this.nSnap = c.count;
      this.nReg = c.offsets[c.count];
      return;
    }
    const s = this.nSnap + c.count;
    const r = this.nReg + c.offsets[c.count];
    this.segStart = grow(
      this.segStart,
      this.nSeg,
      this.nSeg + nb,
      c.breaks.map((b) => b + this.nReg),
    );
    this.snapSeg = grow(
      this.snapSeg,
      this.nSnap + 1,
      s + 1,
      snapSeg.subarray(1).map((x) => x + this.nSeg),
    );
    this.nSeg += nb;
    this.startNs = grow(this.startNs, this.nSnap, s, c.startNs);
    this.endNs = grow(this.endNs, this.nSnap, s, c.endNs);
    const offs = c.offsets.subarray(1).map((x) => x + this.nReg);
    this.offsets = grow(this.offsets, this.nSnap + 1, s + 1, offs);
    this.start = grow(this.start, this.nReg, r, c.start);
    this.end = grow(this.end, this.nReg, r, c.end);
    this.samples = grow(this.samples, this.nReg, r, c.samples);
    this.age = grow(this.age, this.nReg, r, c.age);
    // columns a chunk lacks (no truth, fewer probes) are NaN for its regions
    const nan = (n: number): Float32Array => new Float32Array(n).fill(NaN);
    const more = (old: Float32Array, add: Float32Array | undefined): Float32Array =>
      grow(
        old.length >= this.nReg ? old : nan(this.nReg),
        this.nReg,
        r,
        add?.length ? add : nan(r - this.nReg),
      );
    if (c.trueFreq.length > 0 || this.trueFreq.length > 0) this.trueFreq = more(this.trueFreq, c.trueFreq);
    const probes = Math.max(this.probeHits.length, c.probeHits.length);
    for (let k = 0; k < probes; k++) this.probeHits[k] = more(this.probeHits[k] ?? nan(0), c.probeHits[k]);
    this.nSnap = s;
    this.nReg = r;
  }

  /** True frequency of region i, NaN when unknown. */
  truthAt(i: number): number {
    return i < this.trueFreq.length ? this.trueFreq[i] : NaN;
  }

  /** Hits of probe k in region i, NaN when unknown. */
  probeAt(k: number, i: number): number {
    const col = this.probeHits[k];
    return col && i < col.length ? col[i] : NaN;
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

/** Index one past the last region of segment j. */
export function segEnd(d: RunData, j: number): number {
  return j + 1 < d.nSeg ? d.segStart[j + 1] : d.nReg;
}

/** The union of all regions' address intervals (touching intervals merged), from the segments. */
export function addressRanges(d: RunData): AddrRanges {
  const n = d.nSeg;
  const a = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    a[j] = d.start[d.segStart[j]];
    order[j] = j;
  }
  order.sort((x, y) => a[x] - a[y]);
  const out: AddrRanges = { start: [], end: [], disp: [], total: 0 };
  for (let q = 0; q < n; q++) {
    const j = order[q];
    const b = d.end[segEnd(d, j) - 1];
    const k = out.end.length - 1;
    if (k >= 0 && a[j] <= out.end[k]) out.end[k] = Math.max(out.end[k], b);
    else {
      out.start.push(a[j]);
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

export interface RegionIndex {
  /** Per segment: address minus screen position (the same for all its regions); NaN outside the ranges. */
  segOff: Float64Array;
  /** Per range: bytes x nr_accesses x time summed over the record. */
  heat: number[];
}

const indexMemo = new WeakMap<AddrRanges, { d: RunData; n: number; index: RegionIndex }>();

/**
 * Where every segment is on screen, and the heat of each range (computed once per
 * ranges: at open, and when a live run's ranges change).
 */
export function regionIndex(d: RunData, r: AddrRanges): RegionIndex {
  const m = indexMemo.get(r);
  if (m && m.d === d && m.n === d.nReg) return m.index;
  const segOff = new Float64Array(d.nSeg);
  const heat = new Float64Array(r.start.length);
  const { start, end, samples, segStart, snapSeg, startNs, endNs } = d;
  for (let s = 0; s < d.nSnap; s++) {
    const dt = endNs[s] - startNs[s];
    for (let j = snapSeg[s]; j < snapSeg[s + 1]; j++) {
      const first = segStart[j];
      const k = rangeOf(r, start[first]);
      if (k < 0) {
        segOff[j] = NaN;
        continue;
      }
      segOff[j] = r.start[k] - r.disp[k];
      let h = 0;
      for (let i = first, e = segEnd(d, j); i < e; i++) h += (end[i] - start[i]) * samples[i];
      heat[k] += h * dt;
    }
  }
  const index = { segOff, heat: Array.from(heat) };
  indexMemo.set(r, { d, n: d.nReg, index });
  return index;
}

/** Per range: bytes x nr_accesses x time, as a share of the whole record's. */
export function heatShares(d: RunData, r: AddrRanges): number[] {
  const { heat } = regionIndex(d, r);
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

/**
 * Samples per aggregation interval: the 100 % of the colour scale and of probe
 * hit ratios. Without intervals (some records), the largest count seen; a probe
 * counts at most once a sample too.
 */
export function samplesPerAggregation(meta: Pick<UiRunMeta, "sampleUs" | "aggrUs">, d: RunData): number {
  if (meta.sampleUs && meta.aggrUs && meta.aggrUs >= meta.sampleUs)
    return Math.round(meta.aggrUs / meta.sampleUs);
  let max = 1;
  for (const col of [d.samples, ...d.probeHits])
    for (let i = 0; i < d.nReg; i++) if (col[i] > max) max = col[i];
  return max;
}

/**
 * Per probe, per snapshot: the bytes estimated to have the probe's attribute
 * (each region's size x its hits / samples per aggregation: the hit ratio is the
 * share of the region's pages that have it), and the bytes of regions with any
 * hit (what `report wss --probe N` counts). A region without the probe counts 0.
 */
export function probeSeries(
  d: RunData,
  perAggr: number,
): { estimated: Float64Array; withHits: Float64Array }[] {
  return d.probeHits.map((col) => {
    const estimated = new Float64Array(d.nSnap);
    const withHits = new Float64Array(d.nSnap);
    for (let s = 0; s < d.nSnap; s++) {
      let e = 0;
      let w = 0;
      for (let i = d.offsets[s]; i < d.offsets[s + 1]; i++) {
        const h = col[i];
        if (!(h > 0)) continue;
        const size = d.end[i] - d.start[i];
        e += (size * h) / perAggr;
        w += size;
      }
      estimated[s] = e;
      withHits[s] = w;
    }
    return { estimated, withHits };
  });
}
