/**
 * `report footprints`: distribution of memory footprints from damo's
 * `<record>.mem_footprint` side file (formats.md §2.5): vsz and rss are pages
 * (x 4 KiB) summed over the target processes, sys_used is (total - free) KiB.
 */
import { readFileSync } from "node:fs";
import { FormatError, InputError } from "../util/errors.js";
import { formatSz } from "../record/damo-fmt.js";
import { fmtDists } from "./dist.js";

export type FootprintMetric = "vsz" | "rss" | "sys_used";

interface FpSnapshot {
  procs: { size: number; resident: number }[];
  sys: { total: number; free: number } | null;
}

function num(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError("expected a number", where);
  return v;
}

export function readFootprints(path: string): FpSnapshot[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw new InputError(`cannot read: ${(e as Error).message}`, path);
    throw new FormatError(`not JSON: ${(e as Error).message}`, path);
  }
  if (!Array.isArray(data)) throw new FormatError("expected a list of footprint snapshots", path);
  return data.map((s: unknown, i) => {
    const w = `${path}: snapshot ${i}`;
    if (typeof s !== "object" || s === null || !Array.isArray((s as { footprints?: unknown }).footprints))
      throw new FormatError("expected {time, footprints: [...]}", w);
    const out: FpSnapshot = { procs: [], sys: null };
    for (const fp of (s as { footprints: unknown[] }).footprints) {
      const f = fp as { pid?: unknown; footprint?: Record<string, unknown> };
      if (!f || typeof f.footprint !== "object" || f.footprint === null)
        throw new FormatError("footprint entry without 'footprint'", w);
      if (f.pid === null)
        out.sys = { total: num(f.footprint.total, `${w}.total`), free: num(f.footprint.free, `${w}.free`) };
      else
        out.procs.push({
          size: num(f.footprint.size, `${w}.size`),
          resident: num(f.footprint.resident, `${w}.resident`),
        });
    }
    return out;
  });
}

export function footprintDists(snaps: FpSnapshot[], metric: FootprintMetric, sort: boolean): number[] {
  const d = snaps.map((s) => {
    if (metric === "sys_used") return s.sys ? (s.sys.total - s.sys.free) * 1024 : 0;
    let b = 0;
    for (const p of s.procs) b += (metric === "vsz" ? p.size : p.resident) * 4096;
    return b;
  });
  if (sort) d.sort((a, b) => a - b);
  return d;
}

export function footprintsReport(
  snaps: FpSnapshot[],
  metrics: FootprintMetric[],
  percentiles: number[],
  sort: boolean,
  all: boolean,
  raw: boolean,
  nrColsBar: number,
): string {
  return metrics
    .map(
      (m) => fmtDists(m, footprintDists(snaps, m, sort), percentiles, all, formatSz, raw, nrColsBar) + "\n",
    )
    .join("");
}
