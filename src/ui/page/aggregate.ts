/**
 * Re-aggregates a run's regions into a W x H grid for the visible window (x: gap-free
 * address, y: time), at the screen's resolution: each cell is the mean access
 * frequency of the bytes and time it covers, weighted by both; NaN where nothing
 * was recorded. Cost: O(regions in the window + W x rows each snapshot spans).
 */
import { regionIndex, type AddrRanges, type RunData } from "./data.js";

/** The visible window: time `t0..t1` (ns) and screen addresses `x0..x1` (gap-free bytes). */
export interface View {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
}

export interface Grid {
  w: number;
  h: number;
  /** Mean frequency (0..1 of the samples per aggregation) per cell, row-major, NaN = no data. */
  value: Float32Array;
}

let spare: { sum: Float64Array; wt: Float64Array; line: Float64Array; lineW: Float64Array } | null = null;

/** Zeroed sums for a w x h grid, reused between renders (megabytes each: no garbage per zoom). */
function scratch(w: number, h: number) {
  if (spare && spare.line.length === w && spare.sum.length === w * h) {
    spare.sum.fill(0);
    spare.wt.fill(0);
    return spare;
  }
  spare = {
    sum: new Float64Array(w * h),
    wt: new Float64Array(w * h),
    line: new Float64Array(w),
    lineW: new Float64Array(w),
  };
  return spare;
}

export function aggregate(
  d: RunData,
  r: AddrRanges,
  v: View,
  w: number,
  h: number,
  maxSamples: number,
  /** Per region: what is drawn (nr_accesses, or a probe's hits). */
  values: Float32Array = d.samples,
): Grid {
  const { sum, wt, line, lineW } = scratch(w, h);
  const { x0, x1, t0, t1 } = v;
  const cpb = w / (x1 - x0); // columns per byte
  const tpr = (t1 - t0) / h;
  const { segOff } = regionIndex(d, r);
  const { start, end, startNs, endNs, segStart, snapSeg } = d;
  const nSeg = d.nSeg;
  const nReg = d.nReg;
  const inv = 1 / maxSamples;
  // first snapshot that ends after t0
  let lo = 0;
  let hi = d.nSnap;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (endNs[mid] <= t0) lo = mid + 1;
    else hi = mid;
  }
  for (let s = lo; s < d.nSnap && startNs[s] < t1; s++) {
    const ra = ((startNs[s] > t0 ? startNs[s] : t0) - t0) / tpr;
    const rb = Math.min(((endNs[s] < t1 ? endNs[s] : t1) - t0) / tpr, h);
    const qa = Math.floor(ra);
    // A snapshot inside one row (the usual case when zoomed out: many snapshots per row)
    // adds straight into that row, weighted by its share of the row's time; one that
    // spans rows is first summed into `line`, then spread over its rows.
    const oneRow = Math.ceil(rb) - 1 <= qa;
    const S = oneRow ? sum : line;
    const Wt = oneRow ? wt : lineW;
    const base = oneRow ? qa * w : 0;
    const k = oneRow ? rb - ra : 1;
    let cMin = w;
    let cMax = -1;
    // segment by segment: contiguous regions in address order, all in one range
    for (let j = snapSeg[s]; j < snapSeg[s + 1]; j++) {
      const off = segOff[j];
      const first = segStart[j];
      const last = j + 1 < nSeg ? segStart[j + 1] : nReg;
      // skips whole segments outside the view (and outside every range: NaN)
      if (!(end[last - 1] - off > x0 && start[first] - off < x1)) continue;
      // the first region ending inside the view
      let i = first;
      let hi = last;
      while (i < hi) {
        const mid = (i + hi) >> 1;
        if (end[mid] - off <= x0) i = mid + 1;
        else hi = mid;
      }
      for (; i < last; i++) {
        const da = start[i] - off;
        if (da >= x1) break;
        const db = end[i] - off;
        const fa = ((da > x0 ? da : x0) - x0) * cpb;
        let fb = ((db < x1 ? db : x1) - x0) * cpb;
        if (fb > w) fb = w;
        const x = values[i];
        const f = (x === x ? x : 0) * inv; // a region without the probe counts 0, as `report heatmap --probe`
        let c = fa | 0; // 0 <= fa < w
        if (c < cMin) cMin = c;
        if (fb <= c + 1) {
          // the common case when regions are narrower than a pixel
          const seg = (fb - fa) * k;
          S[base + c] += f * seg;
          Wt[base + c] += seg;
        } else
          for (; c < fb; c++) {
            const seg = ((c + 1 < fb ? c + 1 : fb) - (c > fa ? c : fa)) * k;
            S[base + c] += f * seg;
            Wt[base + c] += seg;
          }
        const cl = fb | 0;
        const lastCol = cl === fb ? cl - 1 : cl;
        if (lastCol > cMax) cMax = lastCol;
      }
    }
    if (oneRow || cMax < cMin) continue;
    for (let q = qa; q < rb; q++) {
      const wq = Math.min(q + 1, rb) - Math.max(q, ra);
      const rowBase = q * w;
      for (let c = cMin; c <= cMax; c++) {
        sum[rowBase + c] += line[c] * wq;
        wt[rowBase + c] += lineW[c] * wq;
      }
    }
    line.fill(0, cMin, cMax + 1);
    lineW.fill(0, cMin, cMax + 1);
  }
  const value = new Float32Array(w * h);
  for (let i = 0; i < value.length; i++) value[i] = wt[i] > 0 ? sum[i] / wt[i] : NaN;
  return { w, h, value };
}
