/**
 * Accuracy of one aggregation window: DAMON's estimate (regions with nrAccesses)
 * judged against the exact truth (every page's positive sampling intervals).
 * Definitions: docs/metrics.md. Cost: O(touched pages · log + regions), never
 * O(memory size) — untouched pages are accounted per region, not per page.
 */

import type { TruthWindow } from "../truth/ground-truth.js";
import type { AddressSpaceKind } from "../core/ops.js";

const PAGE = 4096;

/** The parts of a truth window the accuracy needs. */
export type TruthWindowLike = Pick<TruthWindow, "samples" | "n" | "pid" | "vaddr" | "paddr" | "positive">;

/** DAMON's estimate for one address space in one window. */
export interface EstimateRegion {
  start: number;
  end: number;
  nrAccesses: number;
}

export interface WindowAccuracy {
  /** Byte-weighted mean |estimated − true| access frequency (0..1) over monitored bytes. */
  freqError: number;
  /** Bytes estimated hot that are truly hot / bytes estimated hot (1 when none estimated). */
  precision: number;
  /** Bytes truly hot that are estimated hot / bytes truly hot (1 when none truly hot). */
  recall: number;
  f1: number;
  trueWssBytes: number;
  estWssBytes: number;
  /** |est − true| / true (0 when both are 0; 1 when only the truth is 0). */
  wssRelError: number;
  trueHotBytes: number;
  estHotBytes: number;
  /** Bytes both truly and estimated hot (the run's byte-weighted F1 sums these). */
  bothHotBytes: number;
  /**
   * Separate pieces of the true hot set: maximal runs of truly-hot pages at adjacent
   * addresses. Regions can tell at most about one piece per two regions (the piece and
   * the gap after it) from the cold memory around it.
   */
  trueHotPieces: number;
  /** Truly accessed bytes that no region covered. */
  unmonitoredAccessedBytes: number;
}

export interface WindowMetricsOptions {
  /** Which address the estimate's regions are in. */
  space: AddressSpaceKind;
  /** For vaddr: only truth pages of this process count. */
  pid?: number;
  /** Samples DAMON took in the window (its nrAccesses scale). */
  samplesPerAggr: number;
  /** Frequency (0..1) at or above which a page is hot (default 0.5). */
  hotThreshold?: number;
}

/** Reused sort buffers: addresses and frequencies of the window's truth pages. */
let sortAddr = new Float64Array(0);
let sortFreq = new Float64Array(0);
let order = new Uint32Array(0);

/** Computes a window's accuracy. `regions` must be sorted and non-overlapping. */
export function windowAccuracy(
  truth: TruthWindowLike,
  regions: readonly EstimateRegion[],
  opts: WindowMetricsOptions,
): WindowAccuracy {
  const theta = opts.hotThreshold ?? 0.5;
  const addrs = opts.space === "vaddr" ? truth.vaddr : truth.paddr;
  // Collect this space's touched pages, sorted by address.
  if (order.length < truth.n) {
    order = new Uint32Array(truth.n * 2);
    sortAddr = new Float64Array(truth.n * 2);
    sortFreq = new Float64Array(truth.n * 2);
  }
  let m = 0;
  for (let i = 0; i < truth.n; i++) {
    if (opts.space === "vaddr" && opts.pid !== undefined && truth.pid[i] !== opts.pid) continue;
    order[m++] = i;
  }
  const idx = order.subarray(0, m).sort((a, b) => addrs[a] - addrs[b]);
  for (let k = 0; k < m; k++) {
    sortAddr[k] = addrs[idx[k]];
    sortFreq[k] = truth.positive[idx[k]] / truth.samples;
  }

  let errBytes = 0;
  let monitoredBytes = 0;
  let trueWss = 0;
  let estWss = 0;
  let trueHot = 0;
  let estHot = 0;
  let bothHot = 0;
  let covered = 0;
  let k = 0;
  for (const r of regions) {
    const e = r.nrAccesses / opts.samplesPerAggr;
    const size = r.end - r.start;
    monitoredBytes += size;
    if (r.nrAccesses > 0) estWss += size;
    const estIsHot = e >= theta;
    if (estIsHot) estHot += size;
    while (k < m && sortAddr[k] < r.start) k++;
    let touchedBytes = 0;
    for (; k < m && sortAddr[k] < r.end; k++) {
      const f = sortFreq[k];
      errBytes += Math.abs(e - f) * PAGE;
      touchedBytes += PAGE;
      if (f >= theta && estIsHot) bothHot += PAGE;
    }
    covered += touchedBytes;
    // Untouched pages of the region have true frequency 0.
    errBytes += e * Math.max(0, size - touchedBytes);
  }
  let pieces = 0;
  let pieceEnd = -1;
  for (let j = 0; j < m; j++) {
    trueWss += PAGE;
    if (sortFreq[j] >= theta) {
      trueHot += PAGE;
      // A hot page that does not follow the previous hot page starts a piece (a cold or
      // untouched page between them breaks it).
      if (sortAddr[j] !== pieceEnd) pieces++;
      pieceEnd = sortAddr[j] + PAGE;
    }
  }
  const precision = estHot === 0 ? 1 : bothHot / estHot;
  const recall = trueHot === 0 ? 1 : bothHot / trueHot;
  return {
    freqError: monitoredBytes === 0 ? 0 : errBytes / monitoredBytes,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    trueWssBytes: trueWss,
    estWssBytes: estWss,
    wssRelError: trueWss === 0 ? (estWss === 0 ? 0 : 1) : Math.abs(estWss - trueWss) / trueWss,
    trueHotBytes: trueHot,
    estHotBytes: estHot,
    bothHotBytes: bothHot,
    trueHotPieces: pieces,
    unmonitoredAccessedBytes: trueWss - covered,
  };
}
