/**
 * `report access`: damo's templated access-pattern report. A report is built from
 * five format strings (record head, snapshot head, region, snapshot tail, record
 * tail) whose `<keywords>` are replaced by values; the styles (detailed,
 * recency/temperature percentiles, size histograms) are preset templates, exactly
 * as damo defines them, so the text matches damo's byte for byte.
 */
import type { DamonRecord } from "../record/model.js";
import { RECORD_KEYWORDS, REGION_KEYWORDS, SNAPSHOT_KEYWORDS, fill, type Ctx } from "./access-keywords.js";
import type { AccessOptions, BoxedOptions } from "./access-options.js";
import { regionSize, regionsOf, temperatureOf, type Region } from "./access-region.js";
import { styleOptions, templatesFor } from "./access-templates.js";
import { boxRanges } from "./region-box.js";

export { ACCESS_DEFAULTS, ACCESS_STYLES, type AccessOptions, type AccessStyle } from "./access-options.js";

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
            ? regionSize
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
        for (const r of regionsOf(s, rec))
          all.push({ size: regionSize(r), percent: r.percent, ageUs: r.ageUs });
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
