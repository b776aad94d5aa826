/** The five templates of a `report access` run: the style's presets, then the user's `--format set|append`. */
import type { DamonRecord } from "../record/model.js";
import { regionProbeHits } from "../record/probe-hits.js";
import type { AccessOptions } from "./access-options.js";
import { hasOpsFilters } from "./access-keywords.js";
import type { BoxOptions } from "./region-box.js";

export interface Templates {
  recordHead: string;
  snapshotHead: string;
  region: string;
  snapshotTail: string;
  recordTail: string;
}

/** Style presets that change options besides the templates (damo's set_formats_handle_styles). */
export function styleOptions(o: AccessOptions): AccessOptions {
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

export function templatesFor(records: readonly DamonRecord[], o: AccessOptions): Templates {
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
