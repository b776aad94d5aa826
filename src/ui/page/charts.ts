/**
 * Time-series views of runs on shared axes (uPlot): working set size, number of
 * regions, DAMOS stats per scheme; and the WSS percentile table.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { fmtBytes } from "../../cli/table.js";
import type { UiRunMeta } from "../store.js";
import { percentile, probeSeries, samplesPerAggregation, wssSeries, type RunData } from "./data.js";
import { el, table } from "./dom.js";

const COLORS = ["#d1495b", "#2e86ab", "#66a182", "#edae49", "#8d6a9f", "#00798c"];

export interface ChartRun {
  meta: UiRunMeta;
  data: RunData;
}

/** Seconds since the run's first snapshot, at each snapshot's end. */
function times(d: RunData): Float64Array {
  const t = new Float64Array(d.nSnap);
  for (let s = 0; s < d.nSnap; s++) t[s] = (d.endNs[s] - d.startNs[0]) / 1e9;
  return t;
}

function chart(
  title: string,
  cls: string,
  runs: { label: string; x: ArrayLike<number>; y: ArrayLike<number> }[],
  fmt: (v: number) => string,
): HTMLElement {
  const box = el("div", { class: `chart ${cls}` }, el("h3", {}, title));
  if (runs.length === 0) return box;
  const data = uPlot.join(runs.map((r) => [Array.from(r.x), Array.from(r.y)] as uPlot.AlignedData));
  const opts: uPlot.Options = {
    width: 560,
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: "time (s)" }, { values: (_u, v) => v.map(fmt), size: 80 }],
    series: [
      { label: "time (s)" },
      ...runs.map((r, i) => ({
        label: r.label,
        stroke: COLORS[i % COLORS.length],
        spanGaps: true,
        value: (_u: uPlot, v: number | null) => (v === null ? "-" : fmt(v)),
      })),
    ],
  };
  new uPlot(opts, data, box);
  return box;
}

/** WSS and region-count charts, the WSS percentiles, and DAMOS stats where records have them. */
export function seriesViews(runs: ChartRun[]): HTMLElement {
  const withData = runs.filter((r) => r.data.nSnap > 0);
  const series = withData.map((r) => ({ r, t: times(r.data), ...wssSeries(r.data) }));
  const pcts = [0, 25, 50, 75, 90, 99, 100];
  const parts: HTMLElement[] = [
    chart(
      "Working set size (bytes of regions with nr_accesses > 0)",
      "wss",
      series.map((s) => ({ label: s.r.meta.name, x: s.t, y: s.wss })),
      fmtBytes,
    ),
    chart(
      "Number of regions",
      "nr-regions",
      series.map((s) => ({ label: s.r.meta.name, x: s.t, y: s.nrRegions })),
      (v) => String(Math.round(v)),
    ),
    el(
      "div",
      { class: "wss-pct" },
      el("h3", {}, "WSS percentiles"),
      table(
        "wss-percentiles",
        ["run", ...pcts.map((p) => `p${p}`)],
        series.map((s) => [s.r.meta.name, ...pcts.map((p) => fmtBytes(percentile(s.wss, p)))]),
      ),
    ),
  ];
  // one line per run, scheme and measure
  const schemes = series.flatMap((s) =>
    (s.r.meta.damos ?? []).map((d) => ({ label: `${s.r.meta.name} ${d.name}`, x: s.t, d })),
  );
  if (schemes.length > 0) {
    const lines = (k: "szTried" | "szApplied" | "qtExceeds", suffix: string) =>
      schemes.map((c) => ({
        label: `${c.label}${suffix}`,
        x: c.x,
        y: Array.from(c.x, (_, i) => c.d[k][i] ?? NaN),
      }));
    parts.push(
      chart(
        "DAMOS: bytes tried / applied (cumulative)",
        "damos-bytes",
        [...lines("szTried", " tried"), ...lines("szApplied", " applied")],
        fmtBytes,
      ),
      chart("DAMOS: quota exceeds (cumulative)", "damos-quota", lines("qtExceeds", ""), (v) =>
        String(Math.round(v)),
      ),
    );
  }
  const probes = probeViews(withData);
  if (probes) parts.push(probes);
  return el("div", { class: "series" }, ...parts);
}

/** Probe hits over time, per run and probe (docs/probes.md); null when no run has probes. */
function probeViews(runs: ChartRun[]): HTMLElement | null {
  const lines = runs.flatMap((r) => {
    const perAggr = samplesPerAggregation(r.meta, r.data);
    const t = times(r.data);
    return probeSeries(r.data, perAggr).map((p, k) => ({ r, k, t, ...p }));
  });
  if (lines.length === 0) return null;
  const name = (l: (typeof lines)[number]): string => `${l.r.meta.name} probe ${l.k}`;
  return el(
    "div",
    { class: "probes" },
    chart(
      "Probe hits: bytes with the probe's attribute (Σ region size × hits / samples per aggregation)",
      "probe-bytes",
      lines.map((l) => ({ label: name(l), x: l.t, y: l.estimated })),
      fmtBytes,
    ),
    chart(
      "Probe hits: bytes of regions with any hit (report wss --probe N)",
      "probe-wss",
      lines.map((l) => ({ label: name(l), x: l.t, y: l.withHits })),
      fmtBytes,
    ),
    el(
      "div",
      { class: "probe-table" },
      el("h3", {}, "Probe hits"),
      table(
        "probe-hits",
        ["run", "probe", "attribute bytes p50", "attribute bytes max", "regions with hits p50", "snapshots"],
        lines.map((l) => [
          l.r.meta.name,
          String(l.k),
          fmtBytes(percentile(l.estimated, 50)),
          fmtBytes(percentile(l.estimated, 100)),
          fmtBytes(percentile(l.withHits, 50)),
          String(l.r.data.nSnap),
        ]),
      ),
    ),
  );
}
