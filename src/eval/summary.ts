/**
 * A run's accuracy and overhead in one summary (definitions: docs/metrics.md).
 */
import type { Machine } from "../mm/machine.js";
import type { WindowAccuracy } from "./window-metrics.js";
import type { AttributionErrors } from "./attribution.js";
import { maxOf, minOf } from "../util/extremes.js";

/** A DAMON aggregation window that could not be judged, and why. */
export interface UnscoredWindow {
  index: number;
  startNs: number;
  endNs: number;
  reason: string;
}

export interface SummaryInput {
  windows: { index: number; startNs: number; endNs: number; nrRegions: number; accuracy: WindowAccuracy }[];
  /** DAMON's windows that were not scored (default none). */
  unscored?: UnscoredWindow[];
  phaseChangesNs: number[];
  machine: Machine;
  durationNs: number;
  /** App ns per access in the same run without monitoring (null: not measured). */
  baselineNsPerAccess: number | null;
}

export interface ConvergenceAfterChange {
  changeNs: number;
  /**
   * Windows from the change until F1 ≥ 0.9 (the window containing the change counts as 1);
   * null if never before the next change or the end of the scored windows.
   */
  windows: number | null;
}

export interface RunSummary {
  /** Windows scored against the truth (= windowsScored). */
  windows: number;
  /** Windows excluded from the medians at the start (damo's default of 20, fewer for short runs). */
  warmupWindows: number;
  /** DAMON's aggregation windows scored against the truth over the very span DAMON aggregated. */
  windowsScored: number;
  /** DAMON's aggregation windows not scored; `unscored` says which and why. */
  windowsUnscored: number;
  unscored: UnscoredWindow[];
  /** Virtual time covered by the scored windows (the run's tail after DAMON's last aggregation is not). */
  scoredNs: number;
  freqError: number;
  /** Plain means over every window after the warm-up, idle ones included (an idle window scores 1). */
  precision: number;
  recall: number;
  f1: number;
  /** Windows after the warm-up in which something is truly hot or estimated hot. */
  activeWindows: number;
  /** Mean F1 over the active windows (null when there is none). */
  f1Active: number | null;
  /**
   * Byte-weighted, over the windows after the warm-up: Σ both-hot bytes / Σ estimated-hot
   * bytes, Σ both-hot / Σ truly-hot, and their F1 (null where the denominator is 0;
   * f1Bytes is null only when nothing was ever truly or estimated hot).
   */
  precisionBytes: number | null;
  recallBytes: number | null;
  f1Bytes: number | null;
  trueWssMedianBytes: number;
  estWssMedianBytes: number;
  /**
   * Over the windows after the warm-up with something truly hot: the median number of
   * separate pieces the true hot set is in (WindowAccuracy.trueHotPieces), and the
   * median of their mean size. 0 when nothing was truly hot.
   */
  trueHotPiecesMedian: number;
  trueHotPieceBytesMedian: number;
  /** |median est − median true| / median true. */
  wssMedianRelError: number;
  /** Mean over windows of the per-window WSS relative error. */
  wssRelError: number;
  convergence: ConvergenceAfterChange[];
  /** Worst convergence (null if some change never converged). */
  convergenceMaxWindows: number | null;
  nrRegionsMin: number;
  nrRegionsMax: number;
  /** Access checks (Accessed-bit tests) per second of virtual time. */
  checksPerSec: number;
  checksPerMillionAccesses: number;
  /** Hinting faults taken by the application per second (fault-based sources). */
  faultsPerSec: number;
  /** Monitoring CPU time / run time, as a share of one CPU. */
  monitorCpuShare: number;
  appAccesses: number;
  /** (ns per access with monitoring) / (ns per access without) − 1; null when not measured. */
  appSlowdown: number | null;
  /** For report-based sources: how well counted reports split over CPUs / threads like the real accesses. */
  attribution: AttributionErrors | null;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length / 2))];
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** (ns per access with monitoring) / (ns per access without) − 1; null when either is unknown. */
export function appSlowdown(nsPerAccess: number, baselineNsPerAccess: number | null): number | null {
  return baselineNsPerAccess && nsPerAccess ? nsPerAccess / baselineNsPerAccess - 1 : null;
}

export function summarizeRun(i: SummaryInput): RunSummary {
  const ws = [...i.windows].sort((a, b) => a.index - b.index);
  const warmup = Math.min(20, Math.floor(ws.length / 4));
  const steady = ws.slice(warmup);
  const acc = steady.map((w) => w.accuracy);
  const trueMed = median(acc.map((a) => a.trueWssBytes));
  const estMed = median(acc.map((a) => a.estWssBytes));
  // A change in the run's unscored tail (after DAMON's last aggregation) cannot be
  // judged: it is left out rather than called "never".
  const scoredEnd = ws.length > 0 ? ws[ws.length - 1].endNs : 0;
  const judged = i.phaseChangesNs.filter((c) => c < scoredEnd);
  const convergence: ConvergenceAfterChange[] = judged.map((c, k) => {
    const nextChange = judged[k + 1] ?? Infinity;
    let n = 0;
    for (const w of ws) {
      if (w.endNs <= c) continue;
      if (w.startNs >= nextChange) break;
      n++;
      if (w.accuracy.f1 >= 0.9) return { changeNs: c, windows: n };
    }
    return { changeNs: c, windows: null };
  });
  const conv = convergence.map((c) => c.windows);
  const active = acc.filter((a) => a.trueHotBytes > 0 || a.estHotBytes > 0);
  // The pieces' count and size from one window, the median one by count: medians of
  // each taken apart could pair a fault-in ramp's thousands of pages with a later
  // window's one big piece.
  const hotWindows = acc.filter((a) => a.trueHotPieces > 0).sort((a, b) => a.trueHotPieces - b.trueHotPieces);
  const piecesWindow = hotWindows[Math.floor(hotWindows.length / 2)];
  const both = acc.reduce((t, a) => t + a.bothHotBytes, 0);
  const estHot = acc.reduce((t, a) => t + a.estHotBytes, 0);
  const trueHot = acc.reduce((t, a) => t + a.trueHotBytes, 0);
  const precisionBytes = estHot > 0 ? both / estHot : null;
  const recallBytes = trueHot > 0 ? both / trueHot : null;
  const pb = precisionBytes ?? 0;
  const rb = recallBytes ?? 0;
  const f1Bytes = estHot === 0 && trueHot === 0 ? null : pb + rb === 0 ? 0 : (2 * pb * rb) / (pb + rb);
  const unscored = i.unscored ?? [];
  const st = i.machine.stats();
  const seconds = i.durationNs / 1e9;
  const accesses = st.accesses;
  const faults = st.threads.reduce((s, t) => s + t.hintingFaults, 0);
  const monitorNs = st.kdamond.ns;
  const checks = st.kdamond.checks;
  const nsPerAccess = st.nsPerAccess;
  return {
    windows: ws.length,
    warmupWindows: warmup,
    windowsScored: ws.length,
    windowsUnscored: unscored.length,
    unscored,
    scoredNs: ws.reduce((t, w) => t + (w.endNs - w.startNs), 0),
    freqError: mean(acc.map((a) => a.freqError)),
    precision: mean(acc.map((a) => a.precision)),
    recall: mean(acc.map((a) => a.recall)),
    f1: mean(acc.map((a) => a.f1)),
    activeWindows: active.length,
    f1Active: active.length === 0 ? null : mean(active.map((a) => a.f1)),
    precisionBytes,
    recallBytes,
    f1Bytes,
    trueWssMedianBytes: trueMed,
    estWssMedianBytes: estMed,
    trueHotPiecesMedian: piecesWindow?.trueHotPieces ?? 0,
    trueHotPieceBytesMedian: piecesWindow ? piecesWindow.trueHotBytes / piecesWindow.trueHotPieces : 0,
    wssMedianRelError: trueMed === 0 ? 0 : Math.abs(estMed - trueMed) / trueMed,
    wssRelError: mean(acc.map((a) => a.wssRelError)),
    convergence,
    convergenceMaxWindows:
      conv.length === 0 ? 0 : conv.some((c) => c === null) ? null : maxOf(conv as number[]),
    // 0..0 when no aggregation window completed (Math.min of nothing is Infinity).
    nrRegionsMin: ws.length === 0 ? 0 : minOf(ws.map((w) => w.nrRegions)),
    nrRegionsMax: ws.length === 0 ? 0 : maxOf(ws.map((w) => w.nrRegions)),
    checksPerSec: seconds > 0 ? checks / seconds : 0,
    checksPerMillionAccesses: accesses > 0 ? (checks / accesses) * 1e6 : 0,
    faultsPerSec: seconds > 0 ? faults / seconds : 0,
    monitorCpuShare: i.durationNs > 0 ? monitorNs / i.durationNs : 0,
    appAccesses: accesses,
    appSlowdown: appSlowdown(nsPerAccess, i.baselineNsPerAccess),
    attribution: null,
  };
}
