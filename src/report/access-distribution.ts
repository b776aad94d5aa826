/** Size histograms and percentiles of a snapshot's regions by recency or temperature (the `*-sz-hist` and `*-percentiles` styles). */
import { formatNr, formatSz, formatTimeUs } from "../record/damo-fmt.js";
import { pyInt } from "../record/pyfmt.js";
import type { AccessOptions } from "./access-options.js";
import { idleTime, regionSize, tempNoSize, type Region } from "./access-region.js";
import { maxOf, minOf } from "../util/extremes.js";

function histRanges(minv: number, maxv: number, n: number, logscale: boolean): [number, number][] {
  const out: [number, number][] = [];
  if (logscale) {
    const first = Math.max(Math.trunc((maxv - minv) / 2 ** n), 1);
    out.push([minv, minv + first]);
    while (out[out.length - 1][1] < maxv) {
      const last = out[out.length - 1];
      out.push([last[1], last[1] + (last[1] - last[0]) * 2]);
    }
    return out;
  }
  const interval = Math.max(Math.ceil((maxv + 1 - minv) / n), 1);
  for (let i = 0; i < n; i++) out.push([minv + interval * i, minv + interval * (i + 1)]);
  return out;
}

function histogramStr(hist: [string, string, number][]): string {
  const ys = hist.map((h) => h[2]);
  const minY = minOf(ys);
  const maxY = maxOf(ys);
  const xw = maxOf(hist.map((h) => h[0].length));
  const yw = maxOf(hist.map((h) => h[1].length));
  const maxDots = 20;
  const per = Math.max(Math.trunc((maxY - minY) / maxDots), 1);
  return hist
    .map(([x, y, v]) => {
      const nr = Math.min(Math.ceil((v - minY) / per), maxDots);
      return `${x.padEnd(xw)} ${y.padEnd(yw)} |${"*".repeat(nr)}${" ".repeat(maxDots - nr)}|`;
    })
    .join("\n");
}

export function szHistStr(
  regions: Region[],
  o: AccessOptions,
  dfPassed: boolean,
  metric: (r: Region) => number,
  fmtMetric: (v: number, raw: boolean) => string,
  parseMetric: (s: string) => number,
): string {
  if (regions.length === 0) return "no region in snapshot";
  const dist = new Map<number, number>();
  for (const r of regions) {
    const m = metric(r);
    dist.set(m, (dist.get(m) ?? 0) + (dfPassed ? (r.szFilterPassed ?? 0) : regionSize(r)));
  }
  const keys = [...dist.keys()].sort((a, b) => a - b);
  let ranges: [number, number][];
  if (o.histRanges) {
    ranges = [];
    for (let i = 0; i + 1 < o.histRanges.length; i += 2)
      ranges.push([parseMetric(o.histRanges[i]), parseMetric(o.histRanges[i + 1])]);
  } else ranges = histRanges(keys[0], keys[keys.length - 1], 10, o.histLogscale);
  const hist: [string, string, number][] = ranges.map(([lo, hi]) => {
    let y = 0;
    for (const k of keys) if (k >= lo && k < hi) y += dist.get(k)!;
    return [`[${fmtMetric(lo, o.rawNumber)}, ${fmtMetric(hi, o.rawNumber)})`, formatSz(y, o.rawNumber), y];
  });
  return histogramStr(hist);
}

function percentilesToShow(o: AccessOptions): number[] {
  const r = o.percentilesRange;
  if (r === null) return [0, 1, 25, 50, 75, 99, 100];
  if (r.length <= 3) {
    const [a, b, c] = r.length === 1 ? [0, r[0], 1] : [r[0], r[1], r[2] ?? 1];
    const out: number[] = [];
    for (let p = a; c > 0 ? p < b : p > b; p += c) out.push(p);
    return out;
  }
  return [...r].sort((a, b) => a - b);
}

export function percentilesStr(
  regions: Region[],
  aggrUs: number,
  kind: "recency" | "temperature",
  dfPassed: boolean,
  o: AccessOptions,
): string {
  if (regions.length === 0) return "no region in snapshot";
  const metric = kind === "recency" ? (r: Region) => idleTime(r, aggrUs) : (r: Region) => tempNoSize(r, o);
  const sorted = regions
    .map((r, i) => ({ r, i, m: metric(r) }))
    .sort((a, b) => a.m - b.m || a.i - b.i)
    .map((x) => x.r);
  const weight = (r: Region): number => (dfPassed ? (r.szFilterPassed ?? 0) : regionSize(r));
  let total = 0;
  for (const r of sorted) total += weight(r);
  let toShow = percentilesToShow(o);
  const values: [number, number][] = [];
  let pct = 0;
  let last: Region = sorted[0];
  for (const r of sorted) {
    last = r;
    pct += (weight(r) * 100) / total;
    while (toShow.length > 0 && !(pct < toShow[0])) {
      values.push([toShow[0], metric(r)]);
      toShow = toShow.slice(1);
    }
    if (pct >= 100) break;
  }
  if (toShow.includes(100)) values.push([100, metric(last)]);
  // format
  const raw = o.rawNumber;
  const legend =
    kind === "recency"
      ? raw
        ? "<idle time (us)>"
        : "<idle time>"
      : `<temperature (weights: [${o.temperatureWeights.join(", ")}])>`;
  const lines = [`${dfPassed ? "<df-passed percentile>" : "<percentile>"} ${legend}`];
  if (values.length === 0) return lines.join("\n");
  const fmtV = kind === "recency" ? formatTimeUs : formatNr;
  const pTxt = values.map(([p]) => pyInt(p));
  const vTxt = values.map(([, v]) => fmtV(v, raw));
  const pw = maxOf(pTxt.map((t) => t.length));
  const vw = maxOf(vTxt.map((t) => t.length));
  const minV = values[0][1];
  const maxV = values[values.length - 1][1];
  const perDot = maxV !== minV ? (maxV - minV) / 20 : 1;
  values.forEach(([, v], i) => {
    const len = Math.trunc((v - minV) / perDot);
    lines.push(
      `${pTxt[i].padStart(pw)}  ${vTxt[i].padStart(vw)}  |${"*".repeat(len)}${" ".repeat(20 - len)}|`,
    );
  });
  return lines.join("\n");
}
