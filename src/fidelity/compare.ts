/**
 * Side-by-side measures of two monitoring runs of one workload (the guest kernel's
 * DAMON and the simulator's). Times are ns since the workload started on each side;
 * addresses differ between the sides, so space is compared in workload-region
 * coordinates: the workload's regions laid end to end in config order, matched by name.
 */
import type { Snapshot } from "../kernel/snapshot.js";
import { summarizePhases, type PhaseSummary } from "../vm/run.js";
import type { WorkloadPhase, WorkloadRegion } from "../vm/trace-parse.js";

export interface SideRun {
  snapshots: Snapshot[];
  /** Where the workload's regions are on this side (config order). */
  workloadRegions: WorkloadRegion[];
  /** Phase starts, ns since the workload started. */
  phases: WorkloadPhase[];
  /** Samples per aggregation (nr_accesses of an always-accessed region). */
  samplesPerAggr: number;
}

/** damo's percentile pick: sorted[trunc(p/100 * n)], the last for p = 100. */
export function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  let i = Math.trunc((p / 100) * sorted.length);
  if (i >= sorted.length) i = sorted.length - 1;
  return sorted[i];
}

/**
 * Working set sizes as `damo report wss` computes them: the first `excludeSamples`
 * snapshots dropped, then per snapshot the bytes of regions with nr_accesses >= 1.
 */
export function wssValues(s: readonly Snapshot[], excludeSamples = 20): number[] {
  return s
    .slice(excludeSamples)
    .map((x) => x.regions.reduce((t, r) => (r.nrAccesses >= 1 ? t + r.end - r.start : t), 0))
    .sort((a, b) => a - b);
}

/**
 * The simulator's median WSS relative to the kernel's, the reference:
 * |kernel − simulator| / kernel. 0 when both are 0, Infinity when only the kernel's
 * is 0 (JSON: null), null when a side has no value.
 */
export function wssRelDiff(kernel: number | null, simulator: number | null): number | null {
  if (kernel === null || simulator === null) return null;
  if (kernel === simulator) return 0;
  return kernel === 0 ? Infinity : Math.abs(kernel - simulator) / kernel;
}

export interface NrRegionsStats {
  min: number;
  median: number;
  max: number;
  /** Share of snapshots with a count inside [minNr, maxNr]. */
  withinBounds: number;
}

export function nrRegionsStats(s: readonly Snapshot[], minNr: number, maxNr: number): NrRegionsStats | null {
  if (s.length === 0) return null;
  const n = s.map((x) => x.regions.length).sort((a, b) => a - b);
  const inside = n.filter((v) => v >= minNr && v <= maxNr).length;
  return {
    min: n[0],
    median: percentileOf(n, 50)!,
    max: n[n.length - 1],
    withinBounds: inside / n.length,
  };
}

export interface PhaseComparison {
  phase: string;
  kernel: PhaseSummary;
  simulator: PhaseSummary;
  /** Both sides saw the phase settle and agree on its hottest region. */
  same: boolean;
  /** The region the workload makes hottest (null when several tie, e.g. a warm-up phase). */
  expected: string | null;
  /** Each side's hottest region is the workload's (null when there is no expected region). */
  kernelAsExpected: boolean | null;
  simulatorAsExpected: boolean | null;
}

/** The hottest workload region per phase on both sides (phases matched by position). */
export function comparePhases(
  k: SideRun,
  s: SideRun,
  expected: readonly (string | null)[] = [],
  settleNs = 300e6,
): PhaseComparison[] {
  const pk = summarizePhases(
    { snapshots: k.snapshots, phases: k.phases, regions: k.workloadRegions },
    settleNs,
  );
  const ps = summarizePhases(
    { snapshots: s.snapshots, phases: s.phases, regions: s.workloadRegions },
    settleNs,
  );
  return pk.slice(0, ps.length).map((a, i) => {
    const want = expected[i] ?? null;
    return {
      phase: a.phase,
      kernel: a,
      simulator: ps[i],
      same: a.hottest !== null && a.hottest === ps[i].hottest,
      expected: want,
      kernelAsExpected: want === null ? null : a.hottest === want,
      simulatorAsExpected: want === null ? null : ps[i].hottest === want,
    };
  });
}

/** Settled snapshots a side needs in a phase for the phase to be judged. */
export const MIN_SETTLED_SNAPSHOTS = 3;

export interface FidelityChecks {
  wssTolerance: number;
  /** The simulator's median WSS within the tolerance of the kernel's (wssRelDiff). */
  wssWithin: boolean;
  /** Every judged phase: the same hottest region on both sides. */
  hotSame: boolean;
  /** Every judged phase: each side's hottest region is the one the workload makes hottest. */
  hotExpected: boolean;
  /** Phases with one expected hottest region that both sides watched settle. */
  judgedPhases: number;
  /** Every snapshot of both sides has a region count within [min_nr_regions, max_nr_regions]. */
  nrRegionsWithin: boolean;
  pass: boolean;
}

/** The `--check` verdict from the compared measures. */
export function fidelityChecks(i: {
  wssMedianRelDiff: number | null;
  wssTolerance: number;
  phases: readonly PhaseComparison[];
  nrRegions: { kernel: NrRegionsStats | null; simulator: NrRegionsStats | null };
}): FidelityChecks {
  const judged = i.phases.filter(
    (p) =>
      p.expected !== null &&
      p.kernel.snapshots >= MIN_SETTLED_SNAPSHOTS &&
      p.simulator.snapshots >= MIN_SETTLED_SNAPSHOTS,
  );
  const wssWithin = i.wssMedianRelDiff !== null && i.wssMedianRelDiff <= i.wssTolerance;
  const hotSame = judged.length > 0 && judged.every((p) => p.same);
  const hotExpected =
    judged.length > 0 && judged.every((p) => p.kernelAsExpected === true && p.simulatorAsExpected === true);
  const inBounds = (x: NrRegionsStats | null) => x !== null && x.withinBounds === 1;
  const nrRegionsWithin = inBounds(i.nrRegions.kernel) && inBounds(i.nrRegions.simulator);
  return {
    wssTolerance: i.wssTolerance,
    wssWithin,
    hotSame,
    hotExpected,
    judgedPhases: judged.length,
    nrRegionsWithin,
    pass: wssWithin && hotSame && hotExpected && nrRegionsWithin,
  };
}

export interface GridOptions {
  /** Time bin (ns). */
  binNs: number;
  /** Time covered, from 0 (ns). */
  endNs: number;
  /** Columns over the workload's regions laid end to end. */
  cols: number;
}

/**
 * The heatmap on the common grid: per cell, the access frequency (nr_accesses /
 * samples per aggregation, 0..1) averaged over the time and bytes of the snapshot
 * regions covering it; NaN where this side observed nothing. Row-major [time][col].
 */
export function workloadHeatGrid(side: SideRun, g: GridOptions, order: readonly string[]): Float64Array {
  const rows = Math.ceil(g.endNs / g.binNs);
  const sum = new Float64Array(rows * g.cols);
  const wt = new Float64Array(rows * g.cols);
  const byName = new Map(side.workloadRegions.map((w) => [w.name, w]));
  const bases: { w: WorkloadRegion; base: number }[] = [];
  let total = 0;
  for (const name of order) {
    const w = byName.get(name);
    if (!w) throw new RangeError(`workload region '${name}' missing on one side`);
    bases.push({ w, base: total });
    total += w.end - w.start;
  }
  const colBytes = total / g.cols;
  for (const snap of side.snapshots) {
    const t0 = Math.max(0, snap.startNs);
    const t1 = Math.min(g.endNs, snap.endNs);
    if (t1 <= t0) continue;
    for (const r of snap.regions) {
      const freq = Math.min(1, r.nrAccesses / side.samplesPerAggr);
      for (const { w, base } of bases) {
        const a = Math.max(r.start, w.start);
        const b = Math.min(r.end, w.end);
        if (b <= a) continue;
        const x0 = base + a - w.start;
        const x1 = base + b - w.start;
        for (let row = Math.floor(t0 / g.binNs); row * g.binNs < t1 && row < rows; row++) {
          const dt = Math.min(t1, (row + 1) * g.binNs) - Math.max(t0, row * g.binNs);
          if (dt <= 0) continue;
          for (let c = Math.floor(x0 / colBytes); c < g.cols && c * colBytes < x1; c++) {
            const dx = Math.min(x1, (c + 1) * colBytes) - Math.max(x0, c * colBytes);
            if (dx <= 0) continue;
            const k = row * g.cols + c;
            sum[k] += freq * dt * dx;
            wt[k] += dt * dx;
          }
        }
      }
    }
  }
  const out = new Float64Array(rows * g.cols);
  for (let i = 0; i < out.length; i++) out[i] = wt[i] > 0 ? sum[i] / wt[i] : NaN;
  return out;
}

export interface GridSimilarity {
  /** Pearson correlation over cells both sides observed; null when either is constant. */
  pearson: number | null;
  /** 1 - sum|a-b| / sum(a+b) over the same cells (1 = identical levels). */
  l1Similarity: number | null;
  /** Cells both sides observed. */
  cells: number;
}

export function gridSimilarity(a: Float64Array, b: Float64Array): GridSimilarity {
  if (a.length !== b.length) throw new RangeError("grids differ in size");
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n === 0) return { pearson: null, l1Similarity: null, cells: 0 };
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  let l1 = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
    l1 += Math.abs(a[i] - b[i]);
  }
  return {
    // sqrt each: the product of two tiny variances would underflow; rounding can leave |r| a hair above 1
    pearson: va > 0 && vb > 0 ? Math.max(-1, Math.min(1, cov / (Math.sqrt(va) * Math.sqrt(vb)))) : null,
    l1Similarity: sa + sb > 0 ? 1 - l1 / (sa + sb) : null,
    cells: n,
  };
}

/**
 * The side's snapshot times mapped onto the configuration's phase timeline: within
 * phase i, time runs from the config's start of i at the rate config length / the
 * side's length of i (the last phase, whose end a side may not report, keeps rate 1).
 * Under emulation the guest workload overruns each phase a little (it checks the clock
 * between passes over a region), so by time since start the sides drift apart.
 */
export function alignToPhases(side: SideRun, configStartsNs: readonly number[]): SideRun {
  const n = Math.min(side.phases.length, configStartsNs.length);
  if (n === 0) return side;
  const map = (t: number): number => {
    let i = n - 1;
    while (i > 0 && t < side.phases[i].startNs) i--;
    const s0 = side.phases[i].startNs;
    if (t < s0) return t - s0 + configStartsNs[0];
    const rate =
      i + 1 < n ? (configStartsNs[i + 1] - configStartsNs[i]) / (side.phases[i + 1].startNs - s0) : 1;
    return configStartsNs[i] + (t - s0) * rate;
  };
  return {
    ...side,
    snapshots: side.snapshots.map((s) => ({ ...s, startNs: map(s.startNs), endNs: map(s.endNs) })),
    phases: side.phases.map((p, i) => (i < n ? { ...p, startNs: configStartsNs[i] } : p)),
  };
}
