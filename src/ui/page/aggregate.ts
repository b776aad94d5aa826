/**
 * Re-aggregates a run's regions into a W x H grid for the visible window (x: gap-free
 * address, y: time), at the screen's resolution: each cell is the mean access
 * frequency of the bytes and time it covers, weighted by both; NaN where nothing
 * was recorded. Cost: O(regions in the window + W x rows each snapshot spans).
 */
import { rangeOf, toDisp, type AddrRanges, type RunData } from "./data.js";

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

export function aggregate(
  d: RunData,
  r: AddrRanges,
  v: View,
  w: number,
  h: number,
  maxSamples: number,
): Grid {
  const sum = new Float64Array(w * h);
  const wt = new Float64Array(w * h);
  const line = new Float64Array(w);
  const lineW = new Float64Array(w);
  const bpc = (v.x1 - v.x0) / w;
  const tpr = (v.t1 - v.t0) / h;
  // first snapshot that ends after t0
  let lo = 0;
  let hi = d.nSnap;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (d.endNs[mid] <= v.t0) lo = mid + 1;
    else hi = mid;
  }
  for (let s = lo; s < d.nSnap && d.startNs[s] < v.t1; s++) {
    let cMin = w;
    let cMax = -1;
    for (let i = d.offsets[s]; i < d.offsets[s + 1]; i++) {
      const k = rangeOf(r, d.start[i]);
      if (k < 0) continue;
      const da = toDisp(r, k, d.start[i]);
      const db = da + (d.end[i] - d.start[i]);
      if (db <= v.x0 || da >= v.x1) continue;
      const fa = (Math.max(da, v.x0) - v.x0) / bpc;
      const fb = Math.min((Math.min(db, v.x1) - v.x0) / bpc, w);
      const f = d.samples[i] / maxSamples;
      let c = Math.floor(fa);
      if (c < cMin) cMin = c;
      for (; c < fb; c++) {
        const seg = Math.min(c + 1, fb) - Math.max(c, fa);
        line[c] += f * seg;
        lineW[c] += seg;
      }
      if (c - 1 > cMax) cMax = c - 1;
    }
    if (cMax < cMin) continue;
    const ra = (Math.max(d.startNs[s], v.t0) - v.t0) / tpr;
    const rb = Math.min((Math.min(d.endNs[s], v.t1) - v.t0) / tpr, h);
    for (let q = Math.floor(ra); q < rb; q++) {
      const wq = Math.min(q + 1, rb) - Math.max(q, ra);
      const base = q * w;
      for (let c = cMin; c <= cMax; c++) {
        sum[base + c] += line[c] * wq;
        wt[base + c] += lineW[c] * wq;
      }
    }
    line.fill(0, cMin, cMax + 1);
    lineW.fill(0, cMin, cMax + 1);
  }
  const value = new Float32Array(w * h);
  for (let i = 0; i < value.length; i++) value[i] = wt[i] > 0 ? sum[i] / wt[i] : NaN;
  return { w, h, value };
}
