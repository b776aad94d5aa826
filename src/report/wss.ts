/**
 * `report wss`: distribution of working set sizes (formats.md §1.3). Records are
 * first adjusted as damo does (first `excludeSamples` snapshots dropped, groups
 * merged to `workTimeUs`), then each snapshot's wss is the total size of regions
 * with at least `accThres` samples and `szThres` bytes.
 */
import { adjustRecords } from "../record/adjust.js";
import type { DamonRecord } from "../record/model.js";
import { formatSz } from "../record/damo-fmt.js";
import { fmtDists } from "./dist.js";

export interface WssOptions {
  percentiles: number[];
  excludeSamples: number;
  accThres: number;
  szThres: number;
  workTimeUs: number;
  sortBy: "time" | "size" | undefined;
  rawNumber: boolean;
  allWss: boolean;
  collapseTargets: boolean;
  nrColsBar: number;
}

export const WSS_DEFAULTS: WssOptions = {
  percentiles: [0, 25, 50, 75, 100],
  excludeSamples: 20,
  accThres: 1,
  szThres: 1,
  workTimeUs: 1,
  sortBy: undefined,
  rawNumber: false,
  allWss: false,
  collapseTargets: true,
  nrColsBar: 59,
};

/** Per-target (or collapsed) lists of wss values. */
export function wssDists(input: readonly DamonRecord[], o: WssOptions): Map<string, number[]> {
  // adjust a shallow copy: the caller's records stay as they were
  const records = input.map((r) => ({ ...r }));
  adjustRecords(records, o.workTimeUs, o.excludeSamples);
  const dists = new Map<string, number[]>();
  for (const rec of records) {
    const d: number[] = [];
    for (const s of rec.snapshots) {
      let wss = 0;
      for (let i = 0; i < s.nr; i++) {
        if (s.samples[i] < o.accThres) continue;
        const sz = s.end[i] - s.start[i];
        if (sz < o.szThres) continue;
        wss += sz;
      }
      d.push(wss);
    }
    if (o.sortBy !== "time") d.sort((a, b) => a - b);
    dists.set(rec.targetId ?? "None", d);
  }
  if (!o.collapseTargets) return dists;
  const collapsed: number[] = [];
  for (const d of dists.values())
    d.forEach((w, i) => (i < collapsed.length ? (collapsed[i] += w) : collapsed.push(w)));
  return new Map([["0", collapsed]]);
}

export function wssReport(records: readonly DamonRecord[], o: WssOptions): string {
  const lines: string[] = [];
  for (const [tid, d] of wssDists(records, o)) {
    lines.push(`# target_id\t${tid}`);
    lines.push(fmtDists("wss", d, o.percentiles, o.allWss, formatSz, o.rawNumber, o.nrColsBar));
  }
  return lines.join("\n") + "\n";
}
