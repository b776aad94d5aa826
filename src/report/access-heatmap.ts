/** The one-line heatmap of a snapshot (`<heatmap>`): columns of equal address span, coloured by temperature. */
import { formatNr, formatSz } from "../record/damo-fmt.js";
import { MAX_COLOR_LEVEL, colored } from "./ascii-color.js";
import type { AccessOptions } from "./access-options.js";
import { regionSize, temperatureOf, type Region } from "./access-region.js";

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

export function heatmapStr(regions: Region[], o: AccessOptions): string {
  if (regions.length === 0) return "n/a (no region)";
  const raw = o.rawNumber;
  const w = o.temperatureWeights;
  let totalSz = 0;
  if (o.snapshotHeatmapStatic) totalSz = regions[regions.length - 1].end - regions[0].start;
  else for (const r of regions) totalSz += regionSize(r);
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
