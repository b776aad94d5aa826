/** The `<keywords>` of `report access` templates and the values that replace them, per record, snapshot and region. */
import type { DamonRecord, SchemeFilter, Snapshot } from "../record/model.js";
import {
  formatBp,
  formatHz,
  formatNr,
  formatPercent,
  formatSz,
  formatTimeNs,
  formatTimeUs,
} from "../record/damo-fmt.js";
import type { AccessOptions, BoxedOptions } from "./access-options.js";
import { heatmapStr } from "./access-heatmap.js";
import { percentilesStr, szHistStr } from "./access-distribution.js";
import {
  idleTime,
  inferAggrUs,
  regionSize,
  tempNoSize,
  temperatureOf,
  type Region,
} from "./access-region.js";
import { boxText } from "./region-box.js";

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

export function hasOpsFilters(records: readonly DamonRecord[]): boolean {
  return records.some((r) => r.schemeFilters.some(handledByOps));
}

// ---- snapshot values ----

function memBw(regions: Region[], s: Snapshot, rec: DamonRecord, dfOnly: boolean, raw: boolean): string {
  let bytes = 0;
  for (const r of regions) bytes += (dfOnly ? (r.szFilterPassed ?? 0) : regionSize(r)) * r.samples;
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

// ---- keywords ----

export interface Ctx {
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

export const SNAPSHOT_KEYWORDS: [string, SnapFn][] = [
  [
    "<total bytes>",
    (c) => formatSz(c.snap.totalBytes ?? c.regions.reduce((a, r) => a + regionSize(r), 0), c.o.rawNumber),
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

export const REGION_KEYWORDS: [string, RegionFn][] = [
  ["<index>", (i, _r, o) => formatNr(i, o.rawNumber)],
  ["<start address>", (_i, r, o) => formatSz(r.start, o.rawNumber)],
  ["<end address>", (_i, r, o) => formatSz(r.end, o.rawNumber)],
  ["<size>", (_i, r, o) => formatSz(regionSize(r), o.rawNumber)],
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
      boxText(
        { size: regionSize(r), percent: r.percent, ageUs: r.ageUs },
        o.box,
        (o as BoxedOptions).boxRanges,
      ),
  ],
];

type RecordFn = (rec: DamonRecord, o: AccessOptions) => string;

export const RECORD_KEYWORDS: [string, RecordFn][] = [
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

export function fill<T extends unknown[]>(
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
