/**
 * The comparison table: one column per run, what the record says (snapshots,
 * duration, regions, WSS) and, for simulated runs, the accuracy/overhead rows
 * measured against the exact truth (the same rows as `damon-ts run`).
 */
import { fmtBytes } from "../../cli/table.js";
import type { UiRunMeta } from "../store.js";
import { percentile, wssSeries, type RunData } from "./data.js";
import { el, fmtTime, table } from "./dom.js";
import { maxOf, minOf } from "../../util/extremes.js";

export function compareTable(runs: { meta: UiRunMeta; data: RunData }[]): HTMLElement {
  const cols = runs.map((r) => {
    const d = r.data;
    const { wss, nrRegions } = wssSeries(d);
    const rows = new Map<string, string>([
      ["source", r.meta.source],
      ["state", r.meta.live ? (r.meta.done ? "finished" : "running") : "record"],
      ["snapshots", String(d.nSnap)],
      ["duration", d.nSnap ? fmtTime(d.endNs[d.nSnap - 1] - d.startNs[0]) : "-"],
      ["regions (min..max)", d.nSnap ? `${minOf(nrRegions)}..${maxOf(nrRegions)}` : "-"],
      ["WSS median (record)", d.nSnap ? fmtBytes(percentile(wss, 50)) : "-"],
    ]);
    for (const row of r.meta.summary?.rows ?? []) rows.set(row[0], row[1]);
    return rows;
  });
  const names: string[] = [];
  for (const c of cols) for (const k of c.keys()) if (!names.includes(k)) names.push(k);
  return el(
    "div",
    {},
    el("h2", {}, runs.length > 1 ? "Runs side by side" : "Run"),
    table(
      "summary",
      ["", ...runs.map((r) => r.meta.name)],
      names.map((n) => [n, ...cols.map((c) => c.get(n) ?? "")]),
    ),
  );
}
