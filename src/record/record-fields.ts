/**
 * The model objects built from the parsed key-values of a record's JSON text:
 * everything but the regions (record-level fields, intervals, scheme filters, a
 * snapshot's own fields and DAMOS stats), with damo's lenient number forms, and
 * the conversion of percent-only and usec-only region values once a record's
 * intervals are known. Each check fails through the reader's `fail`, which names
 * where in the file the reader is.
 */
import { textToBytes, textToNr, textToNs } from "./damo-fmt.js";
import type { DamonRecord, DamosStats, Intervals, IntervalsGoal, SchemeFilter, Snapshot } from "./model.js";
import type { SnapshotColumns } from "./region-columns.js";

/** How a check reports a problem: a FormatError naming where the reader is. */
export type Fail = (msg: string) => never;

/** `fn()`, or a failure naming `what` with the conversion's message. */
export function conv(fail: Fail, fn: () => number, what: string): number {
  try {
    return fn();
  } catch (e) {
    fail(`${what}: ${(e as Error).message}`);
  }
}

/** A region value damo gives only as percent (nr_accesses) or usec (age), to convert once intervals are known. */
export interface Unset {
  snapshot: number;
  region: number;
  percent: number | null;
  usec: number | null;
}

/**
 * A snapshot from its key-values (regions already in columns; `regions` and the
 * required keys checked here).
 */
export function snapshotFromFields(
  fail: Fail,
  kv: Record<string, unknown>,
  nr: number,
  cols: SnapshotColumns,
  probeHits: Float64Array[] | undefined,
): Snapshot {
  if (!("start_time" in kv)) fail("snapshot has no 'start_time'");
  if (!("end_time" in kv)) fail("snapshot has no 'end_time'");
  if (!("regions" in kv)) fail("snapshot has no 'regions'");
  if (kv.regions !== true) fail("'regions' must be a list");
  const stats = kv.damos_stats;
  return {
    ...(probeHits ? { probeHits } : {}),
    startNs: conv(fail, () => textToNs(kv.start_time), "'start_time'"),
    endNs: conv(fail, () => textToNs(kv.end_time), "'end_time'"),
    nr,
    ...cols,
    totalBytes:
      kv.total_bytes === undefined || kv.total_bytes === null
        ? null
        : conv(fail, () => textToBytes(kv.total_bytes), "'total_bytes'"),
    damosStats:
      stats && typeof stats === "object" ? damosStats(fail, stats as Record<string, unknown>) : null,
    sampleIntervalUs:
      kv.sample_interval_us === undefined || kv.sample_interval_us === null
        ? null
        : conv(fail, () => textToNr(kv.sample_interval_us), "'sample_interval_us'"),
  };
}

function damosStats(fail: Fail, kv: Record<string, unknown>): DamosStats {
  const g = (k: string, f: (x: unknown) => number): number =>
    kv[k] === undefined || kv[k] === null ? 0 : conv(fail, () => f(kv[k]), `'damos_stats.${k}'`);
  const s: DamosStats = {
    nrTried: g("nr_tried", textToNr),
    szTried: g("sz_tried", textToBytes),
    nrApplied: g("nr_applied", textToNr),
    szApplied: g("sz_applied", textToBytes),
    szOpsFilterPassed: g("sz_ops_filter_passed", textToBytes),
    qtExceeds: g("qt_exceeds", textToNr),
  };
  if (kv.nr_snapshots !== undefined) s.nrSnapshots = g("nr_snapshots", textToNr);
  if (kv.max_nr_snapshots !== undefined) s.maxNrSnapshots = g("max_nr_snapshots", textToNr);
  return s;
}

/**
 * A record from its key-values and its snapshots; `targetIdText` is the target
 * id's JSON text when it was a number (kept exactly, beyond 2^53).
 */
export function recordFromFields(
  fail: Fail,
  kv: Record<string, unknown>,
  snapshots: Snapshot[],
  targetIdText: string | null,
  unset: readonly Unset[],
): DamonRecord {
  if (!("target_id" in kv)) fail("record has no 'target_id' (damo requires it)");
  if (!("snapshots" in kv)) fail("record has no 'snapshots'");
  if (kv.snapshots !== true) fail("'snapshots' must be a list");
  const intervals = kv.intervals ? intervalsOf(fail, kv.intervals) : null;
  const tid = kv.target_id;
  let targetId: string | null = null;
  if (typeof tid === "number") targetId = targetIdText ?? String(tid);
  else if (typeof tid === "string") targetId = tid;
  else if (tid !== null) fail("'target_id' must be a number or null");
  const optInt = (k: string): number | null => {
    const v = kv[k];
    if (v === undefined || v === null) return null;
    if (typeof v === "number") return v;
    return conv(fail, () => textToNr(v), `'${k}'`);
  };
  const filters = Array.isArray(kv.scheme_filters) ? kv.scheme_filters.map((x) => filterOf(fail, x)) : [];
  const rec: DamonRecord = {
    kdamondIdx: optInt("kdamond_idx"),
    contextIdx: optInt("context_idx"),
    intervals,
    schemeIdx: optInt("scheme_idx"),
    targetId,
    schemeFilters: filters,
    snapshots,
    dataSource: typeof kv.data_source === "string" ? kv.data_source : null,
  };
  resolveUnsetUnits(rec, unset);
  return rec;
}

function intervalsOf(fail: Fail, v: unknown): Intervals {
  if (typeof v !== "object" || v === null) fail("'intervals' must be an object or null");
  const kv = v as Record<string, unknown>;
  const us = (k: string): number => {
    if (kv[k] === undefined) fail(`'intervals' has no '${k}'`);
    return conv(fail, () => textToUsLenient(kv[k]), `'intervals.${k}'`);
  };
  let goal: IntervalsGoal | null = null;
  const g = kv.intervals_goal as Record<string, unknown> | undefined | null;
  if (g && typeof g === "object") {
    goal = {
      accessBp: conv(fail, () => textToNr(g.access_bp ?? 0), "'intervals_goal.access_bp'"),
      aggrs: conv(fail, () => textToNr(g.aggrs ?? 0), "'intervals_goal.aggrs'"),
      minSampleUs: conv(fail, () => textToUsLenient(g.min_sample_us ?? 0), "'intervals_goal.min_sample_us'"),
      maxSampleUs: conv(fail, () => textToUsLenient(g.max_sample_us ?? 0), "'intervals_goal.max_sample_us'"),
    };
  }
  const sampleUs = us("sample_us");
  const aggrUs = us("aggr_us");
  if (!(sampleUs > 0) || !(aggrUs > 0)) fail("'intervals' sample_us and aggr_us must be positive");
  return { sampleUs, aggrUs, updateUs: us("ops_update_us"), goal };
}

function filterOf(fail: Fail, v: unknown): SchemeFilter {
  if (typeof v !== "object" || v === null) fail("each scheme filter must be an object");
  const kv = v as Record<string, unknown>;
  if (typeof kv.filter_type !== "string") fail("scheme filter has no 'filter_type'");
  const allow = kv.allow ?? (kv.filter_pass !== undefined ? kv.filter_pass : false);
  const ar = kv.address_range as Record<string, unknown> | null | undefined;
  const hp = kv.hugepage_size as unknown[] | null | undefined;
  return {
    filterType: kv.filter_type,
    matching: kv.matching === true,
    allow: allow === true,
    memcgPath: typeof kv.memcg_path === "string" ? kv.memcg_path : null,
    addressRange:
      ar && typeof ar === "object"
        ? {
            start: conv(fail, () => textToBytes(ar.start), "'address_range'"),
            end: conv(fail, () => textToBytes(ar.end), "'address_range'"),
          }
        : null,
    damonTargetIdx:
      kv.damon_target_idx === undefined || kv.damon_target_idx === null
        ? null
        : conv(fail, () => textToNr(kv.damon_target_idx), "'damon_target_idx'"),
    hugepageSize:
      Array.isArray(hp) && hp.length === 2
        ? [
            conv(fail, () => textToBytes(hp[0]), "'hugepage_size'"),
            conv(fail, () => textToBytes(hp[1]), "'hugepage_size'"),
          ]
        : null,
  };
}

/** damo's text_to_us: numbers are µs, strings with units are converted. */
function textToUsLenient(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.replace(/,/g, "").trim();
    if (/^[+-]?\d+(\.\d*)?$/.test(t)) return Number(t);
    return textToNs(v) / 1000;
  }
  throw new Error(`not a time: ${JSON.stringify(v)}`);
}

/**
 * Converts percent-only nr_accesses and usec-only ages once intervals are known, as
 * damo's add_unset_unit: samples = int(percent * (aggr / sample) / 100), age =
 * int(usec / aggr). (They were once carried as -1e300 - value, which lost the value.)
 */
function resolveUnsetUnits(rec: DamonRecord, unset: readonly Unset[]): void {
  const iv = rec.intervals;
  for (const u of unset) {
    const s = rec.snapshots[u.snapshot];
    if (u.percent !== null)
      s.samples[u.region] = iv ? Math.trunc((u.percent * (iv.aggrUs / iv.sampleUs)) / 100) : 0;
    if (u.usec !== null) s.age[u.region] = iv ? Math.trunc(u.usec / iv.aggrUs) : NaN;
  }
}

/** A JSON integer's text in its canonical form (target ids are kept as text). */
export function normalizeIntText(text: string): string {
  if (/^-?\d+$/.test(text)) return BigInt(text).toString();
  return String(Number(text));
}
