/**
 * `report heatmap`: when (time rows) which addresses (columns) were how hot,
 * computed as damo does (formats.md §1.3): every region adds
 * heat x overlap-time x overlap-bytes to the pixels it covers, each pixel keeps an
 * area-weighted average, heat is in hz when the record has intervals, ages push a
 * region's observation start back, and untouched pixels stay empty (NaN).
 */
import type { DamonRecord } from "../record/model.js";
import { COLOR_END, MAX_COLOR_LEVEL, colorSamples, colorStart } from "./ascii-color.js";
import { formatSz, formatSzAccurate, formatTimeNs } from "../record/damo-fmt.js";
import { guides, heatPerByte, type Guide } from "./guide.js";
import { pyFixed, pyRepr } from "../record/pyfmt.js";
import { UsageError } from "../util/errors.js";

export interface HeatmapSelection {
  kdamondIdx: number | null;
  contextIdx: number | null;
  schemeIdx: number | null;
  targetId: string | null;
}

export interface HeatmapGrid {
  timeStart: number;
  timeUnit: number;
  timeResol: number;
  addrStart: number;
  addrUnit: number;
  addrResol: number;
  /** row-major [time][addr]; NaN where no region was ever observed */
  heat: Float64Array;
  /** whether heat is in hz (record had intervals) or raw samples */
  hz: boolean;
}

/** Most pixels a heatmap may have (time x address): 2^24, a 128 MiB grid. */
export const MAX_HEATMAP_PIXELS = 2 ** 24;

/** Rejects resolutions that are not positive integers or whose grid would exceed MAX_HEATMAP_PIXELS. */
export function checkHeatmapResolution(resol: readonly [number, number]): void {
  const [t, a] = resol;
  if (!Number.isSafeInteger(t) || !Number.isSafeInteger(a) || t <= 0 || a <= 0)
    throw new UsageError(`resolutions must be positive integers, got ${t} ${a}`, "--resol");
  if (t * a > MAX_HEATMAP_PIXELS)
    throw new UsageError(
      `${t} x ${a} = ${t * a} pixels is too many; time x address resolution must be at most ${MAX_HEATMAP_PIXELS} (2^24)`,
      "--resol",
    );
}

/** Builds the pixel grid for the selected records. */
export function heatmapGrid(
  records: readonly DamonRecord[],
  timeRange: [number, number],
  addrRange: [number, number],
  resol: [number, number],
): HeatmapGrid {
  checkHeatmapResolution(resol);
  const [tres, ares] = resol;
  const [tmin, tmax] = timeRange;
  const [amin, amax] = addrRange;
  const tunit = Math.floor((tmax - tmin) / tres);
  const aunit = Math.floor((amax - amin) / ares);
  const heat = new Float64Array(tres * ares).fill(NaN);
  const g: HeatmapGrid = {
    timeStart: tmin,
    timeUnit: tunit,
    timeResol: tres,
    addrStart: amin,
    addrUnit: aunit,
    addrResol: ares,
    heat,
    hz: false,
  };
  if (tunit <= 0 || aunit <= 0) return g;
  const area = tunit * aunit;
  const addrEnd = amin + aunit * ares;
  const rowOf = (t: number): number => Math.trunc((t - tmin) / tunit);
  const colOf = (a: number): number => Math.trunc((a - amin) / aunit);
  let last: { endNs: number } | null = null;
  for (const rec of records) {
    const aggrNs = rec.intervals ? rec.intervals.aggrUs * 1000 : null;
    const hzDiv = rec.intervals ? rec.intervals.aggrUs / 1e6 : 1;
    if (rec.intervals) g.hz = true;
    for (const s of rec.snapshots) {
      for (let i = 0; i < s.nr; i++) {
        const rs = s.start[i];
        const re = s.end[i];
        if (re < amin || addrEnd < rs) continue;
        const h = rec.intervals ? s.samples[i] / hzDiv : s.samples[i];
        const age = s.age[i];
        const obsStart = aggrNs !== null && !Number.isNaN(age) ? s.startNs - age * aggrNs : s.startNs;
        let rowStartTime = obsStart;
        if (last !== null && rowStartTime < last.endNs) rowStartTime = last.endNs;
        const r0 = Math.max(0, rowOf(rowStartTime));
        const r1 = Math.min(tres - 1, rowOf(s.endNs));
        const c0 = Math.max(0, colOf(rs));
        const c1 = Math.min(ares - 1, colOf(re));
        for (let row = r0; row <= r1; row++) {
          const pt = Math.trunc(tmin + row * tunit);
          const t = Math.min(s.endNs, pt + tunit) - Math.max(obsStart, pt);
          for (let col = c0; col <= c1; col++) {
            const pa = Math.trunc(amin + col * aunit);
            const a = Math.min(re, pa + aunit) - Math.max(rs, pa);
            const idx = row * ares + col;
            const old = heat[idx];
            heat[idx] = ((Number.isNaN(old) ? 0 : old) * area + h * t * a) / area;
          }
        }
      }
      last = s;
    }
  }
  return g;
}

/** `--output raw`: "<time>\t<addr>\t<heat>" per pixel, Python float forms. */
export function* rawHeatmapLines(g: HeatmapGrid, absTime: boolean, absAddr: boolean): Generator<string> {
  // every row has the same address columns: their text is made once
  const cols: string[] = [];
  for (let col = 0; col < g.addrResol; col++) {
    let a = Math.trunc(g.addrStart + col * g.addrUnit);
    if (!absAddr) a -= g.addrStart;
    cols.push(`\t${a}\t`);
  }
  for (let row = 0; row < g.timeResol; row++) {
    let t = Math.trunc(g.timeStart + row * g.timeUnit);
    if (!absTime) t -= g.timeStart;
    const ts = String(t);
    let text = "";
    for (let col = 0; col < g.addrResol; col++) {
      const h = g.heat[row * g.addrResol + col];
      text += ts + cols[col] + (Number.isNaN(h) ? "NaN" : pyRepr(h)) + "\n";
    }
    yield text;
  }
}

/** Lowest and highest heat of the non-empty pixels. */
export function heatRange(g: HeatmapGrid): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of g.heat) {
    if (Number.isNaN(h)) continue;
    if (h < lo) lo = h;
    if (h > hi) hi = h;
  }
  return lo === Infinity ? null : [lo, hi];
}

/** The terminal heatmap: one 256-colour digit per pixel, rows are time. */
export function asciiHeatmap(
  g: HeatmapGrid,
  colorset: string,
  printColorset: boolean,
  relTimeBase: number,
): string {
  const range = heatRange(g);
  if (!range) return "# no access information in the drawn range";
  const [lo, hi] = range;
  const unit = (hi + 1 - lo) / 9;
  const lines: string[] = [];
  for (let row = 0; row < g.timeResol; row++) {
    let line = "";
    for (let col = 0; col < g.addrResol; col++) {
      const h = g.heat[row * g.addrResol + col];
      if (Number.isNaN(h)) {
        line += colorStart(colorset, 4) + " ";
        continue;
      }
      const level = Math.min(Math.trunc((h - lo) / unit), MAX_COLOR_LEVEL);
      line += colorStart(colorset, level) + String(level);
    }
    lines.push(line + COLOR_END);
  }
  const amin = g.addrStart;
  const amax = g.addrStart + g.addrUnit * g.addrResol;
  const tmin = g.timeStart - relTimeBase;
  const tmax = tmin + g.timeUnit * g.timeResol;
  if (printColorset)
    lines.push(
      `# access_frequency: ${colorSamples(colorset)} (${pyFixed(lo, 3)}-${pyFixed(hi, 3)} ${g.hz ? "hz" : "samples"})`,
    );
  lines.push(
    `# x-axis: space [${formatSzAccurate(amin, false)}, ${formatSzAccurate(amax, false)}) (${formatSz(amax - amin, false)})`,
  );
  lines.push(
    `# y-axis: time [${formatTimeNs(tmin, false)}, ${formatTimeNs(tmax, false)}) (${formatTimeNs(tmax - tmin, false)})`,
  );
  lines.push(
    `# resolution: ${g.addrResol}x${g.timeResol} (${formatSz(g.addrUnit, false)} and ${formatTimeNs(g.timeUnit, false)} for each character)`,
  );
  return lines.join("\n");
}

export interface HeatmapPlan {
  selection: HeatmapSelection;
  guide: Guide;
  timeRange: [number, number];
  addrRanges: [number, number][];
  /** Index in guide.ranges of each drawn range, or -1 for user-given ranges. */
  rangeIdx: number[];
}

/** Fills unset selection/ranges from the record guide, as damo's heatmap does. */
export function planHeatmap(
  records: readonly DamonRecord[],
  sel: Partial<HeatmapSelection>,
  timeRange: [number, number] | null,
  addrRanges: [number, number][] | null,
  drawRange: "hottest" | "all",
): HeatmapPlan {
  const all = guides(records);
  if (all.length === 0) throw new Error("the record has no snapshots to draw");
  const first = all[0];
  const selection: HeatmapSelection = {
    kdamondIdx: sel.kdamondIdx !== undefined ? sel.kdamondIdx : first.kdamondIdx,
    contextIdx: sel.contextIdx !== undefined ? sel.contextIdx : first.contextIdx,
    schemeIdx: sel.schemeIdx !== undefined ? sel.schemeIdx : first.schemeIdx,
    targetId: sel.targetId !== undefined ? sel.targetId : first.targetId,
  };
  const guide = all.find(
    (g) =>
      g.kdamondIdx === selection.kdamondIdx &&
      g.contextIdx === selection.contextIdx &&
      g.schemeIdx === selection.schemeIdx &&
      g.targetId === selection.targetId,
  );
  if (!guide) throw new Error("no record matches the given kdamond/context/scheme/target selection");
  let rangeIdx: number[] = [];
  let ranges = addrRanges;
  if (!ranges) {
    if (drawRange === "all") {
      ranges = guide.ranges.map((r) => [r.start, r.end]);
      rangeIdx = guide.ranges.map((_, i) => i);
    } else {
      let best = 0;
      guide.ranges.forEach((r, i) => {
        if (heatPerByte(r) > heatPerByte(guide.ranges[best])) best = i;
      });
      ranges = [[guide.ranges[best].start, guide.ranges[best].end]];
      rangeIdx = [best];
    }
  } else rangeIdx = ranges.map(() => -1);
  return {
    selection,
    guide,
    timeRange: timeRange ?? [guide.startNs, guide.endNs],
    addrRanges: ranges,
    rangeIdx,
  };
}

/** Records matching a selection. */
export function selectRecords(records: readonly DamonRecord[], s: HeatmapSelection): DamonRecord[] {
  return records.filter(
    (r) =>
      r.kdamondIdx === s.kdamondIdx &&
      r.contextIdx === s.contextIdx &&
      r.schemeIdx === s.schemeIdx &&
      r.targetId === s.targetId,
  );
}

/** Says which address range was drawn and how to draw the others. */
export function rangeNote(plan: HeatmapPlan, which: number): string | null {
  const g = plan.guide;
  if (g.ranges.length <= 1 || plan.rangeIdx[which] === -1) return null;
  const idx = plan.rangeIdx[which];
  const r = g.ranges[idx];
  const lines = [
    `# drew address range ${idx} of ${g.ranges.length} [${formatSzAccurate(r.start, false)}, ${formatSzAccurate(r.end, false)}) (${formatSz(r.end - r.start, false)})${plan.rangeIdx.length === 1 ? ", the hottest per byte" : ""}; the record's ranges:`,
  ];
  g.ranges.forEach((o, i) => {
    lines.push(
      `#   ${i}: --address_range ${o.start} ${o.end}  (${formatSz(o.end - o.start, false)}, ${pyFixed(heatPerByte(o), 3)} heat per byte)${i === idx ? "  <- drawn" : ""}`,
    );
  });
  if (plan.rangeIdx.length === 1) lines.push("#   (--draw_range all draws every range)");
  return lines.join("\n");
}
