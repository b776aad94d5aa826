/**
 * `report access`: damo's templated access-pattern report. A report is built from
 * five format strings (record head, snapshot head, region, snapshot tail, record
 * tail) whose `<keywords>` are replaced by values; the styles (detailed,
 * recency/temperature percentiles, size histograms) are preset templates, exactly
 * as damo defines them, so the text matches damo's byte for byte.
 */
import type { DamonRecord, SchemeFilter, Snapshot } from "../record/model.js";
import { regionProbeHits } from "../record/probe-hits.js";
import { MAX_COLOR_LEVEL, colored } from "./ascii-color.js";
import {
  formatBp,
  formatHz,
  formatNr,
  formatPercent,
  formatSz,
  formatTimeNs,
  formatTimeUs,
} from "../record/damo-fmt.js";
import { pyInt } from "../record/pyfmt.js";
import { BOX_DEFAULTS, boxRanges, boxText, type BoxOptions, type BoxRanges } from "./region-box.js";

export type AccessStyle =
  | "detailed"
  | "simple-boxes"
  | "recency-percentiles"
  | "temperature-percentiles"
  | "recency-sz-hist"
  | "temperature-sz-hist"
  | "cold"
  | "hot";

export const ACCESS_STYLES: readonly AccessStyle[] = [
  "detailed",
  "simple-boxes",
  "recency-percentiles",
  "temperature-percentiles",
  "recency-sz-hist",
  "temperature-sz-hist",
  "cold",
  "hot",
];

export interface AccessOptions {
  style: AccessStyle;
  rawNumber: boolean;
  temperatureWeights: [number, number, number];
  percentilesRange: number[] | null;
  histLogscale: boolean;
  histRanges: string[] | null;
  snapshotHeatmapWidth: number;
  snapshotHeatmapColorset: string;
  snapshotHeatmapStatic: boolean;
  sortRegionsBy: string[];
  sortRegionsDsc: string[] | null;
  totalSzOnly: boolean;
  /** `--region_box`: draw each region as a box in the detailed style. */
  regionBox: boolean;
  box: BoxOptions;
  /** User `--format set|append <area> <text>` entries. */
  formats: [string, string, string][];
}

export const ACCESS_DEFAULTS: AccessOptions = {
  style: "detailed",
  rawNumber: false,
  temperatureWeights: [0, 100, 100],
  percentilesRange: null,
  histLogscale: false,
  histRanges: null,
  snapshotHeatmapWidth: 80,
  snapshotHeatmapColorset: "gray",
  snapshotHeatmapStatic: false,
  sortRegionsBy: ["address"],
  sortRegionsDsc: null,
  totalSzOnly: false,
  regionBox: false,
  box: BOX_DEFAULTS,
  formats: [],
};

/** A region with the derived values reports use. */
interface Region {
  start: number;
  end: number;
  samples: number;
  aggrIntervals: number;
  percent: number;
  hz: number;
  ageUs: number;
  szFilterPassed: number | null;
  /** Hits of each probe (damo 3.3's `probe_hits`); empty without probes. */
  probeHits: number[];
}

function size(r: Region): number {
  return r.end - r.start;
}

function regionsOf(s: Snapshot, rec: DamonRecord): Region[] {
  const iv = rec.intervals!;
  const maxSamples = iv.aggrUs / iv.sampleUs;
  const out: Region[] = [];
  for (let i = 0; i < s.nr; i++) {
    const samples = s.samples[i];
    const age = Number.isNaN(s.age[i]) ? 0 : s.age[i];
    const szf = s.szFilterPassed[i];
    out.push({
      start: s.start[i],
      end: s.end[i],
      samples,
      aggrIntervals: age,
      percent: (samples * 100) / maxSamples,
      hz: samples / (iv.aggrUs / 1e6),
      ageUs: age * iv.aggrUs,
      szFilterPassed: Number.isNaN(szf) ? null : szf,
      probeHits: regionProbeHits(s, i),
    });
  }
  return out;
}

function temperatureOf(r: Region, w: readonly number[]): number {
  const score = size(r) * w[0] + r.percent * w[1] + r.ageUs * w[2];
  return r.percent > 0 ? score : -score;
}

// ---- filters ----

const OPS_FILTERS = new Set(["anon", "active", "memcg", "young", "hugepage_size", "unmapped"]);

function handledByOps(f: SchemeFilter): boolean {
  return OPS_FILTERS.has(f.filterType);
}

export function filterText(f: SchemeFilter): string {
  let s = `${f.allow ? "allow" : "reject"}${f.matching ? "" : " none"} ${f.filterType}`;
  if (f.filterType === "memcg") s += ` ${f.memcgPath ?? ""}`;
  else if (f.filterType === "addr" && f.addressRange)
    s += ` [${formatNr(f.addressRange.start, false)}, ${formatNr(f.addressRange.end, false)})`;
  else if (f.filterType === "target") s += ` ${f.damonTargetIdx ?? 0}`;
  else if (f.filterType === "hugepage_size" && f.hugepageSize)
    s += ` [${formatSz(f.hugepageSize[0], false)}, ${formatSz(f.hugepageSize[1], false)}]`;
  return s;
}

function filtersPassType(rec: DamonRecord): string {
  const ops = rec.schemeFilters.filter(handledByOps);
  if (ops.length === 0) return "n/a";
  return ops.map(filterText).join(", ");
}

function hasOpsFilters(records: readonly DamonRecord[]): boolean {
  return records.some((r) => r.schemeFilters.some(handledByOps));
}

// ---- snapshot values ----

function inferAggrUs(s: Snapshot, rec: DamonRecord): number {
  const snapAggr = (s.endNs - s.startNs) / 1000;
  const recAggr = rec.intervals!.aggrUs;
  if (Math.abs(snapAggr - recAggr) / recAggr < 0.1) return recAggr;
  return snapAggr;
}

function memBw(regions: Region[], s: Snapshot, rec: DamonRecord, dfOnly: boolean, raw: boolean): string {
  let bytes = 0;
  for (const r of regions) bytes += (dfOnly ? (r.szFilterPassed ?? 0) : size(r)) * r.samples;
  const perSec = bytes / (inferAggrUs(s, rec) / 1e6);
  return `${formatSz(perSec, raw)} per second`;
}

function filtersPassedBytes(regions: Region[], raw: boolean): string {
  let b = 0;
  for (const r of regions) {
    if (r.szFilterPassed === null) return "N/A";
    b += r.szFilterPassed;
  }
  return formatSz(b, raw);
}

// ---- heatmap of one snapshot ----

function pyFloorDiv(a: number, b: number): number {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) {
    mod += b;
    div -= 1;
  }
  if (!div) return 0;
  let fd = Math.floor(div);
  if (div - fd > 0.5) fd += 1;
  return fd;
}

interface Pixel {
  start: number;
  end: number;
  temperature: number;
  isVoid: boolean;
}

function makePixel(start: number, end: number, regions: Region[], w: readonly number[]): Pixel {
  let total = 0;
  let isVoid = true;
  for (const r of regions) {
    if (r.end <= start) continue;
    if (end <= r.start) break;
    isVoid = false;
    const cs = Math.max(start, r.start);
    const ce = Math.min(end, r.end);
    total += temperatureOf(r, w) * (ce - cs);
  }
  return { start, end, temperature: total / (end - start), isVoid };
}

function heatmapStr(regions: Region[], o: AccessOptions): string {
  if (regions.length === 0) return "n/a (no region)";
  const raw = o.rawNumber;
  const w = o.temperatureWeights;
  let totalSz = 0;
  if (o.snapshotHeatmapStatic) totalSz = regions[regions.length - 1].end - regions[0].start;
  else for (const r of regions) totalSz += size(r);
  const szUnit = totalSz / o.snapshotHeatmapWidth;
  const pixels: Pixel[] = [];
  let minT: number | null = null;
  let maxT: number | null = null;
  let start = regions[0].start;
  const lastEnd = regions[regions.length - 1].end;
  while (start < lastEnd) {
    const end = start + szUnit;
    const p = makePixel(start, end, regions, w);
    pixels.push(p);
    if (p.isVoid) {
      const next = regions.find((r) => r.start > end);
      if (!next) break;
      start = pyFloorDiv(next.start, szUnit) * szUnit;
      p.end = start;
    } else {
      if (minT === null || p.temperature < minT) minT = p.temperature;
      if (maxT === null || p.temperature > maxT) maxT = p.temperature;
      start = end;
    }
  }
  const mn = minT ?? 0;
  const mx = maxT ?? 0;
  let unit = (mx - mn) / MAX_COLOR_LEVEL;
  if (unit === 0) unit = mx / MAX_COLOR_LEVEL;
  if (unit === 0) unit = 1;
  let dots = "";
  for (const p of pixels) {
    if (p.isVoid) {
      const nrDots = (p.end - p.start) / szUnit;
      if (!o.snapshotHeatmapStatic && nrDots > 4) dots += "[...]";
      else dots += ".".repeat(Math.max(0, Math.trunc(nrDots)));
      continue;
    }
    const level = Math.trunc((p.temperature - mn) / unit);
    dots += colored(String(level), o.snapshotHeatmapColorset, level);
  }
  return `${dots}\n# min/max temperatures: ${formatNr(mn, raw)}, ${formatNr(mx, raw)}, column size: ${formatSz(szUnit, raw)}`;
}

// ---- histograms and percentiles ----

function idleTime(r: Region, aggrUs: number): number {
  return r.percent > 0 ? 0 : r.ageUs + aggrUs;
}

function tempNoSize(r: Region, o: AccessOptions): number {
  return temperatureOf(r, [0, o.temperatureWeights[1], o.temperatureWeights[2]]);
}

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
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const xw = Math.max(...hist.map((h) => h[0].length));
  const yw = Math.max(...hist.map((h) => h[1].length));
  const maxDots = 20;
  const per = Math.max(Math.trunc((maxY - minY) / maxDots), 1);
  return hist
    .map(([x, y, v]) => {
      const nr = Math.min(Math.ceil((v - minY) / per), maxDots);
      return `${x.padEnd(xw)} ${y.padEnd(yw)} |${"*".repeat(nr)}${" ".repeat(maxDots - nr)}|`;
    })
    .join("\n");
}

function szHistStr(
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
    dist.set(m, (dist.get(m) ?? 0) + (dfPassed ? (r.szFilterPassed ?? 0) : size(r)));
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

function percentilesStr(
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
  const weight = (r: Region): number => (dfPassed ? (r.szFilterPassed ?? 0) : size(r));
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
  const pw = Math.max(...pTxt.map((t) => t.length));
  const vw = Math.max(...vTxt.map((t) => t.length));
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

// ---- templates ----

interface Ctx {
  rec: DamonRecord;
  snap: Snapshot;
  regions: Region[];
  o: AccessOptions;
}

type SnapFn = (c: Ctx) => string;

const MIN_CHARS: Record<string, number> = {
  "<index>": 3,
  "<start address>": 12,
  "<end address>": 11,
  "<size>": 11,
  "<access rate>": 5,
  "<access hz>": 6,
  "<age>": 13,
  "<filters passed type>": 10,
};

function padMin(keyword: string, txt: string): string {
  const n = MIN_CHARS[keyword];
  return n === undefined ? txt : txt.padEnd(n);
}

function snapshotIntervals(c: Ctx): string {
  const iv = c.rec.intervals!;
  const sampleUs = c.snap.sampleIntervalUs ?? iv.sampleUs;
  return `sample ${formatTimeUs(sampleUs, c.o.rawNumber)} aggr ${formatTimeUs(iv.aggrUs, c.o.rawNumber)}`;
}

function maxAccessHz(c: Ctx): string {
  const iv = c.rec.intervals!;
  const sampleUs = c.snap.sampleIntervalUs ?? iv.sampleUs;
  return formatHz(iv.aggrUs / sampleUs / (iv.aggrUs / 1e6), c.o.rawNumber).replace(/ hz$/, "");
}

const SNAPSHOT_KEYWORDS: [string, SnapFn][] = [
  [
    "<total bytes>",
    (c) => formatSz(c.snap.totalBytes ?? c.regions.reduce((a, r) => a + size(r), 0), c.o.rawNumber),
  ],
  ["<duration>", (c) => formatTimeNs(c.snap.endNs - c.snap.startNs, c.o.rawNumber)],
  ["<start time>", (c) => formatTimeNs(c.snap.startNs - c.rec.snapshots[0].startNs, c.o.rawNumber)],
  ["<end time>", (c) => formatTimeNs(c.snap.endNs - c.rec.snapshots[0].startNs, c.o.rawNumber)],
  ["<abs start time>", (c) => formatTimeNs(c.snap.startNs, c.o.rawNumber)],
  ["<abs end time>", (c) => formatTimeNs(c.snap.endNs, c.o.rawNumber)],
  ["<number of regions>", (c) => formatNr(c.regions.length, c.o.rawNumber)],
  [
    "<temperature-sz histogram>",
    (c) => szHistStr(c.regions, c.o, false, (r) => tempNoSize(r, c.o), formatNr, Number),
  ],
  [
    "<temperature-df-passed-sz histogram>",
    (c) => szHistStr(c.regions, c.o, true, (r) => tempNoSize(r, c.o), formatNr, Number),
  ],
  [
    "<recency-sz histogram>",
    (c) =>
      szHistStr(c.regions, c.o, false, (r) => idleTime(r, inferAggrUs(c.snap, c.rec)), formatTimeUs, Number),
  ],
  [
    "<recency-df-passed-sz histogram>",
    (c) =>
      szHistStr(c.regions, c.o, true, (r) => idleTime(r, inferAggrUs(c.snap, c.rec)), formatTimeUs, Number),
  ],
  [
    "<recency percentiles>",
    (c) => percentilesStr(c.regions, inferAggrUs(c.snap, c.rec), "recency", false, c.o),
  ],
  [
    "<df-passed recency percentiles>",
    (c) => percentilesStr(c.regions, inferAggrUs(c.snap, c.rec), "recency", true, c.o),
  ],
  [
    "<temperature percentiles>",
    (c) => percentilesStr(c.regions, inferAggrUs(c.snap, c.rec), "temperature", false, c.o),
  ],
  [
    "<df-passed temperature percentiles>",
    (c) => percentilesStr(c.regions, inferAggrUs(c.snap, c.rec), "temperature", true, c.o),
  ],
  ["<heatmap>", (c) => heatmapStr(c.regions, c.o)],
  [
    "<filters passed heatmap>",
    (c) =>
      heatmapStr(
        c.regions.filter((r) => r.szFilterPassed !== 0),
        c.o,
      ),
  ],
  ["<filters passed type>", (c) => filtersPassType(c.rec)],
  ["<filters passed bytes>", (c) => filtersPassedBytes(c.regions, c.o.rawNumber)],
  ["<estimated memory bandwidth>", (c) => memBw(c.regions, c.snap, c.rec, false, c.o.rawNumber)],
  [
    "<filters passed estimated memory bandwidth>",
    (c) => memBw(c.regions, c.snap, c.rec, true, c.o.rawNumber),
  ],
  ["<snapshot intervals>", snapshotIntervals],
  ["<max access hz>", maxAccessHz],
];

type RegionFn = (idx: number, r: Region, o: AccessOptions) => string;

const REGION_KEYWORDS: [string, RegionFn][] = [
  ["<index>", (i, _r, o) => formatNr(i, o.rawNumber)],
  ["<start address>", (_i, r, o) => formatSz(r.start, o.rawNumber)],
  ["<end address>", (_i, r, o) => formatSz(r.end, o.rawNumber)],
  ["<size>", (_i, r, o) => formatSz(size(r), o.rawNumber)],
  ["<access rate>", (_i, r, o) => formatPercent(r.percent, o.rawNumber)],
  ["<access hz>", (_i, r, o) => formatHz(r.hz, o.rawNumber)],
  ["<age>", (_i, r, o) => formatTimeUs(r.ageUs, o.rawNumber)],
  ["<temperature>", (_i, r, o) => formatNr(temperatureOf(r, o.temperatureWeights), o.rawNumber)],
  [
    "<filters passed bytes>",
    (_i, r, o) => (r.szFilterPassed === null ? "N/A" : formatSz(r.szFilterPassed, o.rawNumber)),
  ],
  ["<nr_accesses>", (_i, r, o) => formatNr(r.samples, o.rawNumber)],
  ["<probe hits>", (_i, r) => r.probeHits.map((h) => String(h)).join(" ")],
  [
    "<box>",
    (_i, r, o) =>
      boxText({ size: size(r), percent: r.percent, ageUs: r.ageUs }, o.box, (o as BoxedOptions).boxRanges),
  ],
];

type RecordFn = (rec: DamonRecord, o: AccessOptions) => string;

const RECORD_KEYWORDS: [string, RecordFn][] = [
  ["<kdamond index>", (r) => String(r.kdamondIdx ?? "None")],
  ["<context index>", (r) => String(r.contextIdx ?? "None")],
  ["<scheme index>", (r) => String(r.schemeIdx ?? "None")],
  ["<target id>", (r) => r.targetId ?? "None"],
  ["<abs start time>", (r, o) => formatTimeNs(r.snapshots[0]?.startNs ?? 0, o.rawNumber)],
  [
    "<duration>",
    (r, o) =>
      formatTimeNs(
        (r.snapshots[r.snapshots.length - 1]?.endNs ?? 0) - (r.snapshots[0]?.startNs ?? 0),
        o.rawNumber,
      ),
  ],
  [
    "<intervals>",
    (r, o) =>
      `sample ${formatTimeUs(r.intervals!.sampleUs, o.rawNumber)}, aggr ${formatTimeUs(r.intervals!.aggrUs, o.rawNumber)}`,
  ],
  [
    "<intervals goal>",
    (r, o) => {
      const g = r.intervals!.goal!;
      return `target ${formatBp(g.accessBp, o.rawNumber)} accesses per ${formatNr(g.aggrs, o.rawNumber)} aggrs, [${formatTimeUs(g.minSampleUs, o.rawNumber)}, ${formatTimeUs(g.maxSampleUs, o.rawNumber)}] sampling interval`;
    },
  ],
];

function fill<T extends unknown[]>(
  template: string,
  keywords: [string, (...a: T) => string][],
  args: T,
): string {
  let out = template;
  for (const [kw, fn] of keywords) {
    if (!out.includes(kw)) continue;
    out = out.split(kw).join(padMin(kw, fn(...args)));
  }
  return out.replace(/\\n/g, "\n");
}

interface Templates {
  recordHead: string;
  snapshotHead: string;
  region: string;
  snapshotTail: string;
  recordTail: string;
}

type BoxedOptions = AccessOptions & { boxRanges: BoxRanges };

/** Style presets that change options besides the templates (damo's set_formats_handle_styles). */
function styleOptions(o: AccessOptions): AccessOptions {
  const boxes: BoxOptions = {
    ...o.box,
    minMaxHeight: [1, 1],
    minMaxLength: [1, 40],
    align: "right",
    colorset: "emotion",
  };
  if (o.style === "simple-boxes") return { ...o, box: boxes };
  if (o.style === "cold") return { ...o, box: boxes, sortRegionsBy: ["temperature"] };
  if (o.style === "hot")
    return { ...o, box: boxes, sortRegionsBy: ["temperature"], sortRegionsDsc: ["temperature"] };
  return o;
}

function templatesFor(records: readonly DamonRecord[], o: AccessOptions): Templates {
  const t: Partial<Templates> = {};
  if (o.style === "simple-boxes") {
    t.snapshotHead = "snapshot time: [<start time>, <end time>] (<duration>)";
    t.region = "<box> size <size> access rate <access rate> age <age>";
  } else if (o.style === "cold" || o.style === "hot") t.region = "<box> <size> access <access rate> <age>";
  const multiSnap = records.some((r) => r.snapshots.length > 1);
  const opsFilters = hasOpsFilters(records);
  if (o.style === "recency-sz-hist" || o.style === "temperature-sz-hist") {
    const [legend, kw, dfkw] =
      o.style === "temperature-sz-hist"
        ? ["<temperature>", "<temperature-sz histogram>", "<temperature-df-passed-sz histogram>"]
        : ["<idle time (us)>", "<recency-sz histogram>", "<recency-df-passed-sz histogram>"];
    const head: string[] = [];
    if (opsFilters)
      head.push("# damos filters (df): <filters passed type>", `${legend} <df-passed size>`, dfkw, "");
    head.push(`${legend} <total size>`, kw);
    t.snapshotHead = head.join("\n");
    t.region = "";
  } else if (o.style === "recency-percentiles" || o.style === "temperature-percentiles") {
    const kind = o.style === "recency-percentiles" ? "recency" : "temperature";
    const head: string[] = [];
    if (multiSnap) head.push("snapshot time: [<start time>, <end time>] (<duration>)");
    if (opsFilters)
      head.push(
        "# damos filters (df): <filters passed type>",
        `# df-passed ${kind} percentiles`,
        `<df-passed ${kind} percentiles>`,
        "",
      );
    head.push(`# total ${kind} percentiles`, `<${kind} percentiles>`);
    t.snapshotHead = head.join("\n");
    t.region = "";
  }
  for (const [action, area, text] of o.formats) {
    if (action !== "set") continue;
    const key = areaKey(area);
    t[key] = text;
  }
  if (o.totalSzOnly) {
    t.snapshotHead = "";
    t.region = "";
    t.snapshotTail = "<total bytes>";
  }
  const anyFilters = records.some((r) => r.schemeFilters.length > 0);
  if (t.recordHead === undefined)
    t.recordHead =
      records.length > 1
        ? "kdamond <kdamond index> / context <context index> / scheme <scheme index> / target id <target id> / recorded for <duration> from <abs start time>"
        : "";
  if (t.recordTail === undefined) {
    const lines = ["record DAMON intervals: <intervals>"];
    if (records.some((r) => r.intervals?.goal && r.intervals.goal.aggrs !== 0))
      lines.push("# <intervals goal>");
    t.recordTail = lines.join("\n");
  }
  if (t.snapshotHead === undefined) {
    t.snapshotHead = multiSnap
      ? "snapshot time: [<start time>, <end time>] (<duration>)\nheatmap: <heatmap>"
      : "heatmap: <heatmap>";
    t.snapshotHead += "\nintervals: <snapshot intervals> (max access hz <max access hz>)";
    if (anyFilters)
      t.snapshotHead += "\n# damos filters (df): <filters passed type>\ndf-pass: <filters passed heatmap>";
  }
  if (t.snapshotTail === undefined) {
    t.snapshotTail = anyFilters
      ? "memory bw estimate: <estimated memory bandwidth>  df-passed: <filters passed estimated memory bandwidth>\ntotal size: <total bytes>  df-passed <filters passed bytes>"
      : "memory bw estimate: <estimated memory bandwidth>\ntotal size: <total bytes>";
  }
  if (t.region === undefined) {
    // damo 3.3 switches to its probe-hits layout when the first region it sees has hits
    t.region = firstRegionHasProbeHits(records)
      ? PROBE_HITS_REGION_FORMAT
      : "<index> addr <start address> size <size> access <access hz> age <age>";
    if (anyFilters) t.region += " df-passed <filters passed bytes>";
    if (o.regionBox) t.region = (o.box.minMaxHeight[1] > 1 ? "<box>" : "<box>\n") + t.region;
  }
  for (const [action, area, text] of o.formats) {
    if (action !== "append") continue;
    const key = areaKey(area);
    t[key] = (t[key] ?? "") + text;
  }
  return t as Templates;
}

/** damo 3.3's default region line for records with probe hits (two spaces and the trailing one included). */
const PROBE_HITS_REGION_FORMAT = "<index> <start address> <size>  <access hz> <age> <probe hits> ";

function firstRegionHasProbeHits(records: readonly DamonRecord[]): boolean {
  const s = records[0]?.snapshots[0];
  return s !== undefined && s.nr > 0 && regionProbeHits(s, 0).length > 0;
}

function areaKey(area: string): keyof Templates {
  const m: Record<string, keyof Templates> = {
    record_head: "recordHead",
    snapshot_head: "snapshotHead",
    region: "region",
    snapshot_tail: "snapshotTail",
    record_tail: "recordTail",
  };
  const k = m[area];
  if (!k) throw new Error(`wrong --format target area '${area}'`);
  return k;
}

function sortRegions(regions: Region[], o: AccessOptions): Region[] {
  let rs = regions;
  for (const field of o.sortRegionsBy) {
    const dsc =
      o.sortRegionsDsc !== null && (o.sortRegionsDsc.includes("all") || o.sortRegionsDsc.includes(field));
    const key: (r: Region) => number =
      field === "access_rate"
        ? (r) => r.percent
        : field === "age"
          ? (r) => r.ageUs
          : field === "size"
            ? size
            : field === "temperature"
              ? (r) => temperatureOf(r, o.temperatureWeights)
              : (r) => r.start;
    const idx = rs.map((r, i) => ({ r, i, k: key(r) }));
    idx.sort((a, b) => (dsc ? b.k - a.k : a.k - b.k) || a.i - b.i);
    rs = idx.map((x) => x.r);
  }
  return rs;
}

/** The report text as damo builds it (before the pager's newline rule). */
export function accessReport(records: readonly DamonRecord[], options: AccessOptions): string {
  const styled = styleOptions(options);
  const all: { size: number; percent: number; ageUs: number }[] = [];
  if (
    styled.regionBox ||
    styled.style === "simple-boxes" ||
    styled.style === "cold" ||
    styled.style === "hot"
  )
    for (const rec of records)
      for (const s of rec.snapshots)
        for (const r of regionsOf(s, rec)) all.push({ size: size(r), percent: r.percent, ageUs: r.ageUs });
  const o: BoxedOptions = { ...styled, boxRanges: boxRanges(all) };
  const t = templatesFor(records, o);
  const out: string[] = [];
  // an empty template prints nothing, not even an empty line
  const push = (template: string, s: () => string): void => {
    if (template !== "") out.push(s());
  };
  for (const rec of records) {
    push(t.recordHead, () => fill(t.recordHead, RECORD_KEYWORDS, [rec, o]));
    rec.snapshots.forEach((snap, sidx) => {
      const regions = regionsOf(snap, rec);
      const ctx: Ctx = { rec, snap, regions, o };
      push(t.snapshotHead, () => fill(t.snapshotHead, SNAPSHOT_KEYWORDS, [ctx]));
      if (t.region !== "")
        sortRegions(regions, o).forEach((r, i) => out.push(fill(t.region, REGION_KEYWORDS, [i, r, o])));
      push(t.snapshotTail, () => fill(t.snapshotTail, SNAPSHOT_KEYWORDS, [ctx]));
      if (sidx < rec.snapshots.length - 1 && !o.totalSzOnly) out.push("");
    });
    push(t.recordTail, () => fill(t.recordTail, RECORD_KEYWORDS, [rec, o]));
  }
  return out.join("\n");
}
