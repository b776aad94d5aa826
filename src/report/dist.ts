/**
 * Percentile distributions as damo prints them for `report wss` (formats.md §1.3):
 * index int(p/100*len) clamped to len-1, mean as average, and a bar of
 * int(val / (max/59)) stars padded to the bar width.
 */
import { pyInt, rjust } from "../record/pyfmt.js";

function pctIndex(p: number, len: number): number {
  let idx = Math.trunc((p / 100) * len);
  if (idx === len) idx -= 1;
  return idx;
}

export function percentileRange(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) for (let p = start; p < stop; p += step) out.push(p);
  else if (step < 0) for (let p = start; p > stop; p += step) out.push(p);
  return out;
}

export function fmtDists(
  metric: string,
  dists: readonly number[],
  percentiles: readonly number[],
  all: boolean,
  fmt: (v: number, raw: boolean) => string,
  raw: boolean,
  nrColsBar: number,
): string {
  const lines = [`# <percentile> <${metric}>`];
  if (dists.length === 0) {
    lines.push("# no snapshot");
    return lines.join("\n");
  }
  let sum = 0;
  for (const d of dists) sum += d;
  lines.push(`# avr:\t${fmt(sum / dists.length, raw)}`);
  if (all) {
    dists.forEach((v, i) => lines.push(`${i} ${fmt(v, raw)}`));
    return lines.join("\n");
  }
  let valPerCol = 1;
  if (nrColsBar > 0) {
    let max = 0;
    for (const p of percentiles) {
      const v = dists[pctIndex(p, dists.length)];
      if (max <= v) max = v;
    }
    valPerCol = max > 0 ? max / nrColsBar : 1;
  }
  for (const p of percentiles) {
    const idx = pctIndex(p, dists.length);
    const val = idx === -1 ? -1 : dists[idx];
    let line = `${rjust(pyInt(p), 3)} ${rjust(fmt(val, raw), 15)}`;
    if (nrColsBar > 0) {
      const cols = Math.trunc(val / valPerCol);
      line += ` |${"*".repeat(Math.max(0, cols))}${" ".repeat(Math.max(0, nrColsBar - cols))}|`;
    }
    lines.push(line);
  }
  return lines.join("\n");
}
