/**
 * A run's accuracy and overhead in one summary (definitions: docs/metrics.md).
 */
import type { Machine } from "../mm/machine.js";
import type { WindowAccuracy } from "./window-metrics.js";
import type { AttributionErrors } from "./attribution.js";

export interface SummaryInput {
  windows: { index: number; startNs: number; endNs: number; nrRegions: number; accuracy: WindowAccuracy }[];
  phaseChangesNs: number[];
  machine: Machine;
  durationNs: number;
  /** App ns per access in the same run without monitoring (null: not measured). */
  baselineNsPerAccess: number | null;
}

export interface ConvergenceAfterChange {
  changeNs: number;
  /** Windows from the change until F1 ≥ 0.9 (the window containing the change counts as 1); null if never before the next change. */
  windows: number | null;
}

export interface RunSummary {
  windows: number;
  /** Windows excluded from the medians at the start (damo's default of 20, fewer for short runs). */
  warmupWindows: number;
  freqError: number;
  precision: number;
  recall: number;
  f1: number;
  trueWssMedianBytes: number;
  estWssMedianBytes: number;
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

export function summarizeRun(i: SummaryInput): RunSummary {
  const ws = [...i.windows].sort((a, b) => a.index - b.index);
  const warmup = Math.min(20, Math.floor(ws.length / 4));
  const steady = ws.slice(warmup);
  const acc = steady.map((w) => w.accuracy);
  const trueMed = median(acc.map((a) => a.trueWssBytes));
  const estMed = median(acc.map((a) => a.estWssBytes));
  const convergence: ConvergenceAfterChange[] = i.phaseChangesNs.map((c, k) => {
    const nextChange = i.phaseChangesNs[k + 1] ?? Infinity;
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
    freqError: mean(acc.map((a) => a.freqError)),
    precision: mean(acc.map((a) => a.precision)),
    recall: mean(acc.map((a) => a.recall)),
    f1: mean(acc.map((a) => a.f1)),
    trueWssMedianBytes: trueMed,
    estWssMedianBytes: estMed,
    wssMedianRelError: trueMed === 0 ? 0 : Math.abs(estMed - trueMed) / trueMed,
    wssRelError: mean(acc.map((a) => a.wssRelError)),
    convergence,
    convergenceMaxWindows:
      conv.length === 0 ? 0 : conv.some((c) => c === null) ? null : Math.max(...(conv as number[])),
    nrRegionsMin: Math.min(...ws.map((w) => w.nrRegions)),
    nrRegionsMax: Math.max(...ws.map((w) => w.nrRegions)),
    checksPerSec: seconds > 0 ? checks / seconds : 0,
    checksPerMillionAccesses: accesses > 0 ? (checks / accesses) * 1e6 : 0,
    faultsPerSec: seconds > 0 ? faults / seconds : 0,
    monitorCpuShare: i.durationNs > 0 ? monitorNs / i.durationNs : 0,
    appAccesses: accesses,
    appSlowdown: i.baselineNsPerAccess && nsPerAccess ? nsPerAccess / i.baselineNsPerAccess - 1 : null,
    attribution: null,
  };
}
