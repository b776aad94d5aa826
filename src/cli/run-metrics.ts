/** The accuracy and overhead table of `run` and `compare`: one row per metric, one column per run. */
import type { ResultData } from "../eval/experiment.js";
import { fmtBytes, fmtPct } from "./table.js";
import { maxOf } from "../util/extremes.js";

/** The accuracy and overhead rows of a summary (one column per run). */
export function metricRows(results: ResultData[]): string[][] {
  const row = (name: string, f: (r: ResultData) => string): string[] => [name, ...results.map(f)];
  // A score of a run with no scored window would be a mean of nothing, printed as 0.
  const accuracy = (name: string, f: (r: ResultData) => string): string[] =>
    row(name, (r) => (r.summary.windowsScored === 0 ? "n/a (no window)" : f(r)));
  const conv = (r: ResultData): string => {
    const c = r.summary.convergence;
    if (c.length === 0) return "no phase change";
    const ok = c.filter((x) => x.windows !== null).map((x) => x.windows!);
    const missed = c.length - ok.length;
    const worst = ok.length ? maxOf(ok) : 0;
    return missed ? `${missed}/${c.length} never` : `≤ ${worst} windows`;
  };
  const scored = (r: ResultData): string => {
    const s = r.summary;
    const why = [...new Set(s.unscored.map((u) => u.reason))].join("; ");
    return `${s.windowsScored} / ${s.windowsUnscored}${why ? ` (${why})` : ""}`;
  };
  return [
    row("windows scored / unscored", scored),
    accuracy("frequency error (byte-weighted)", (r) => r.summary.freqError.toFixed(4)),
    // The run's F1 first (docs/metrics.md), then its byte-weighted precision and recall;
    // the plain means, which score a window with nothing hot as 1, last and labelled so.
    accuracy("hot-set F1 (active windows)", (r) =>
      r.summary.f1Active === null
        ? "no active window"
        : `${r.summary.f1Active.toFixed(3)} (${r.summary.activeWindows})`,
    ),
    accuracy("hot-set F1 (byte-weighted)", (r) => fraction(r.summary.f1Bytes, "nothing hot")),
    accuracy("hot-set precision (byte-weighted)", (r) =>
      fraction(r.summary.precisionBytes, "none estimated hot"),
    ),
    accuracy("hot-set recall (byte-weighted)", (r) => fraction(r.summary.recallBytes, "nothing truly hot")),
    accuracy("hot-set precision (mean of all windows; idle = 1)", (r) => r.summary.precision.toFixed(3)),
    accuracy("hot-set recall (mean of all windows; idle = 1)", (r) => r.summary.recall.toFixed(3)),
    accuracy("hot-set F1 (mean of all windows; idle = 1)", (r) => r.summary.f1.toFixed(3)),
    accuracy("WSS median, estimated", (r) => fmtBytes(r.summary.estWssMedianBytes)),
    accuracy("WSS median, true", (r) => fmtBytes(r.summary.trueWssMedianBytes)),
    accuracy("WSS error (mean per window)", (r) => fmtPct(r.summary.wssRelError)),
    accuracy("true hot set: pieces × mean size (median)", (r) =>
      r.summary.trueHotPiecesMedian === 0
        ? "nothing hot"
        : `${r.summary.trueHotPiecesMedian} × ${fmtBytes(r.summary.trueHotPieceBytesMedian)}`,
    ),
    row("convergence after phase change", conv),
    accuracy("regions (min..max)", (r) => `${r.summary.nrRegionsMin}..${r.summary.nrRegionsMax}`),
    row("access checks / s", (r) => r.summary.checksPerSec.toFixed(0)),
    row("access checks / M app accesses", (r) => r.summary.checksPerMillionAccesses.toFixed(1)),
    row("hinting faults / s", (r) => r.summary.faultsPerSec.toFixed(0)),
    row("access reports counted / s", (r) => (r.reports.counted / (r.durationNs / 1e9)).toFixed(0)),
    row("access reports dropped (ring full)", (r) => String(r.reports.overflowed)),
    row("monitoring CPU (share of one CPU)", (r) => fmtPct(r.summary.monitorCpuShare, 3)),
    row("app slowdown vs unmonitored", (r) =>
      r.summary.appSlowdown === null ? "not measured" : fmtPct(r.summary.appSlowdown, 3),
    ),
    ...numaRows(results),
    row("CPU attribution error (TV distance)", (r) => attributionCell(r, "cpu")),
    row("thread attribution error (TV distance)", (r) => attributionCell(r, "thread")),
  ];
}

/** A 0..1 score with 3 decimals, or what its null means. */
function fraction(x: number | null, none: string): string {
  return x === null ? none : x.toFixed(3);
}

/** NUMA balancing's counters, when any run had it on. */
function numaRows(results: ResultData[]): string[][] {
  if (!results.some((r) => r.numaBalancing)) return [];
  const row = (name: string, f: (s: NonNullable<ResultData["numaBalancing"]>) => string): string[] => [
    name,
    ...results.map((r) => (r.numaBalancing ? f(r.numaBalancing) : "off")),
  ];
  const remote = (s: NonNullable<ResultData["numaBalancing"]>): string => {
    const r = s.byCpuNode.reduce((a, x) => a + x.remote, 0);
    return s.faults > 0 ? fmtPct(r / s.faults) : "no faults";
  };
  return [
    row("NUMA balancing: scans / pages armed", (s) => `${s.scans} / ${s.pagesArmed}`),
    row("NUMA balancing: hint faults (remote share)", (s) => `${s.faults} (${remote(s)})`),
    row("NUMA balancing: migrations / promotions", (s) => `${s.migrations} / ${s.promotions}`),
    row("NUMA balancing: promotions rate-limited", (s) => String(s.rateLimited)),
  ];
}

/** An attribution error, or why there is none: no report-based source, or no report counted (no shares to compare). */
function attributionCell(r: ResultData, which: "cpu" | "thread"): string {
  const a = r.summary.attribution;
  if (a === null) return "n/a";
  const v = a[which];
  return v === null ? "n/a (no reports)" : v.toFixed(3);
}
