/**
 * Record JSON as Python's json.dumps lays it out (indent 4, or compact), piece by
 * piece so that writers can stream it: damo's key order and value forms (region
 * addresses as comma-grouped strings, times as digit strings, ages as grouped
 * strings), or the human forms of `report access --json`.
 */
import { formatBp, formatNr, formatSz, formatTimeNsExact, formatTimeUs } from "./damo-fmt.js";
import type { DamonRecord, DamosStats, Intervals, SchemeFilter, Snapshot } from "./model.js";
import { regionProbeHits } from "./probe-hits.js";
import { pyInt } from "./pyfmt.js";

/** JSON text pieces in Python's json.dumps layout (indent 4, or compact). */
export class JsonLayout {
  private readonly sep: string;
  private readonly colon: string;
  /** `human`: damo's non-raw value forms ("5 ms", "1.000 GiB"), as `report access --json` prints. */
  constructor(
    private readonly indent: number,
    private readonly human = false,
  ) {
    this.sep = ",";
    this.colon = indent ? ": " : ":";
  }
  private nl(level: number): string {
    return this.indent ? "\n" + " ".repeat(this.indent * level) : "";
  }
  listOpen(empty: boolean): string {
    return empty ? "[" : "[";
  }
  listClose(empty: boolean): string {
    return empty ? "]" : this.nl(0) + "]";
  }
  /** Everything of a record before its first snapshot. */
  recordHead(rec: DamonRecord, first = true, inList = false): string {
    const L = 1;
    const head = inList ? (first ? "" : this.sep) + this.nl(L) : "[" + this.nl(L);
    const kv: [string, string][] = [
      ["kdamond_idx", jnum(rec.kdamondIdx)],
      ["context_idx", jnum(rec.contextIdx)],
      ["intervals", rec.intervals ? this.value(intervalsKv(rec.intervals, this.human), L + 2) : "null"],
      ["scheme_idx", jnum(rec.schemeIdx)],
      [
        "target_id",
        rec.targetId === null
          ? "null"
          : /^-?\d+$/.test(rec.targetId)
            ? rec.targetId
            : JSON.stringify(rec.targetId),
      ],
      ["scheme_filters", this.value(rec.schemeFilters.map(filterKv), L + 2)],
    ];
    let s = head + "{";
    for (const [k, v] of kv) s += this.nl(L + 1) + JSON.stringify(k) + this.colon + v + this.sep;
    s += this.nl(L + 1) + '"snapshots"' + this.colon + "[";
    return s;
  }
  recordTail(rec: DamonRecord, noSnapshots: boolean, inList = false): string {
    const L = 1;
    let s = noSnapshots ? "]" : this.nl(L + 1) + "]";
    if (rec.dataSource !== null)
      s += this.sep + this.nl(L + 1) + '"data_source"' + this.colon + JSON.stringify(rec.dataSource);
    s += this.nl(L) + "}";
    if (!inList) s += this.nl(0) + "]";
    return s;
  }
  snapshot(snap: Snapshot, first: boolean): string {
    const L = 3;
    let s = (first ? "" : this.sep) + this.nl(L) + "{";
    s +=
      this.nl(L + 1) +
      '"start_time"' +
      this.colon +
      JSON.stringify(this.human ? formatTimeNsExact(snap.startNs, false) : pyInt(snap.startNs)) +
      this.sep;
    s +=
      this.nl(L + 1) +
      '"end_time"' +
      this.colon +
      JSON.stringify(this.human ? formatTimeNsExact(snap.endNs, false) : pyInt(snap.endNs)) +
      this.sep;
    s += this.nl(L + 1) + '"regions"' + this.colon + "[";
    const R = L + 2;
    const parts: string[] = [];
    for (let i = 0; i < snap.nr; i++) {
      const age = snap.age[i];
      const szf = snap.szFilterPassed[i];
      parts.push(
        (i ? this.sep : "") +
          this.nl(R) +
          "{" +
          this.nl(R + 1) +
          '"start"' +
          this.colon +
          '"' +
          formatNr(snap.start[i], false) +
          '"' +
          this.sep +
          this.nl(R + 1) +
          '"end"' +
          this.colon +
          '"' +
          formatNr(snap.end[i], false) +
          '"' +
          this.sep +
          this.nl(R + 1) +
          '"nr_accesses"' +
          this.colon +
          "{" +
          this.nl(R + 2) +
          '"samples"' +
          this.colon +
          pyInt(snap.samples[i]) +
          this.sep +
          this.nl(R + 2) +
          '"percent"' +
          this.colon +
          "null" +
          this.nl(R + 1) +
          "}" +
          this.sep +
          this.nl(R + 1) +
          '"age"' +
          this.colon +
          "{" +
          this.nl(R + 2) +
          '"usec"' +
          this.colon +
          "null" +
          this.sep +
          this.nl(R + 2) +
          '"aggr_intervals"' +
          this.colon +
          (Number.isNaN(age) ? "null" : '"' + formatNr(age, false) + '"') +
          this.nl(R + 1) +
          "}" +
          this.sep +
          (snap.probeHits
            ? this.nl(R + 1) +
              '"probe_hits"' +
              this.colon +
              this.value(regionProbeHits(snap, i), R + 2) +
              this.sep
            : "") +
          this.nl(R + 1) +
          '"sz_filter_passed"' +
          this.colon +
          '"' +
          formatSz(Number.isNaN(szf) ? 0 : szf, false) +
          '"' +
          this.nl(R) +
          "}",
      );
    }
    s += parts.join("");
    s += (snap.nr ? this.nl(L + 1) : "") + "]" + this.sep;
    const total = snap.totalBytes ?? sumSizes(snap);
    s +=
      this.nl(L + 1) +
      '"total_bytes"' +
      this.colon +
      JSON.stringify(this.human ? formatSz(total, false) : pyInt(total)) +
      this.sep;
    s +=
      this.nl(L + 1) +
      '"damos_stats"' +
      this.colon +
      (snap.damosStats ? this.value(statsKv(snap.damosStats, this.human), L + 2) : "null");
    if (snap.sampleIntervalUs !== null)
      s +=
        this.sep +
        this.nl(L + 1) +
        '"sample_interval_us"' +
        this.colon +
        JSON.stringify(pyInt(snap.sampleIntervalUs));
    s += this.nl(L) + "}";
    return s;
  }
  /** json.dumps of a small value at a nesting level. */
  value(v: unknown, level: number): string {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number") return pyInt(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return (
        "[" +
        v.map((x, i) => (i ? this.sep : "") + this.nl(level) + this.value(x, level + 1)).join("") +
        this.nl(level - 1) +
        "]"
      );
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return (
      "{" +
      entries
        .map(
          ([k, x], i) =>
            (i ? this.sep : "") + this.nl(level) + JSON.stringify(k) + this.colon + this.value(x, level + 1),
        )
        .join("") +
      this.nl(level - 1) +
      "}"
    );
  }
}

function jnum(v: number | null): string {
  return v === null ? "null" : pyInt(v);
}

function sumSizes(s: Snapshot): number {
  let t = 0;
  for (let i = 0; i < s.nr; i++) t += s.end[i] - s.start[i];
  return t;
}

function intervalsKv(iv: Intervals, human: boolean): Record<string, unknown> {
  const g = iv.goal ?? { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 };
  return {
    sample_us: formatTimeUs(iv.sampleUs, !human),
    aggr_us: formatTimeUs(iv.aggrUs, !human),
    ops_update_us: formatTimeUs(iv.updateUs, !human),
    intervals_goal: {
      access_bp: formatBp(g.accessBp, !human),
      aggrs: formatNr(g.aggrs, !human),
      min_sample_us: formatTimeUs(g.minSampleUs, !human),
      max_sample_us: formatTimeUs(g.maxSampleUs, !human),
    },
  };
}

function statsKv(s: DamosStats, human: boolean): Record<string, unknown> {
  const nr = (x: number): string => formatNr(x, !human);
  const sz = (x: number): string => formatSz(x, !human);
  const kv: Record<string, unknown> = {
    nr_tried: nr(s.nrTried),
    sz_tried: sz(s.szTried),
    nr_applied: nr(s.nrApplied),
    sz_applied: sz(s.szApplied),
    sz_ops_filter_passed: sz(s.szOpsFilterPassed),
    qt_exceeds: nr(s.qtExceeds),
  };
  if (s.nrSnapshots !== undefined) kv.nr_snapshots = nr(s.nrSnapshots);
  if (s.maxNrSnapshots !== undefined) kv.max_nr_snapshots = nr(s.maxNrSnapshots);
  return kv;
}

function filterKv(f: SchemeFilter): Record<string, unknown> {
  return {
    filter_type: f.filterType,
    matching: f.matching,
    allow: f.allow,
    memcg_path: f.memcgPath ?? "",
    address_range: {
      start: pyInt(f.addressRange?.start ?? 0),
      end: pyInt(f.addressRange?.end ?? 0),
    },
    damon_target_idx: pyInt(f.damonTargetIdx ?? 0),
    hugepage_size: [u64Text(f.hugepageSize?.[0] ?? 0), u64Text(f.hugepageSize?.[1] ?? 0)],
  };
}

/** ULONG_MAX does not fit a double; 2^64 read from a file stands for it. */
function u64Text(x: number): string {
  return x >= 2 ** 64 ? "18446744073709551615" : pyInt(x);
}
