/** `report nr_regions`: distribution of the number of regions per snapshot. */
import type { DamonRecord } from "../record/model.js";
import { pyInt } from "../record/pyfmt.js";

export function nrRegionsReport(
  records: readonly DamonRecord[],
  percentiles: readonly number[],
  sortBy: "time" | "size" | undefined,
): string {
  const lines = ["# <percentile> <# regions>"];
  for (const rec of records) {
    // the first 20 snapshots are skipped: regions are not adapted yet
    const d = rec.snapshots.slice(20).map((s) => s.nr);
    if (sortBy !== "time") d.sort((a, b) => a - b);
    lines.push(`# target_id\t${rec.targetId ?? "None"}`);
    if (d.length === 0) {
      lines.push("# no snapshot (the first 20 snapshots are skipped)");
      continue;
    }
    lines.push(`# avr:\t${pyInt(d.reduce((a, b) => a + b, 0) / d.length)}`);
    for (const p of percentiles) {
      let idx = Math.trunc((p / 100) * d.length);
      if (idx === d.length) idx -= 1;
      lines.push(`${pyInt(p)}\t${d[idx]}`);
    }
  }
  return lines.join("\n") + "\n";
}
