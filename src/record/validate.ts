/**
 * Checks every field of records that the reports use, after any reader built them
 * (json_compressed, json, perf script): numbers are finite, integral where the
 * kernel's type is, and in range. The first bad field is reported as a FormatError
 * naming the file, record, snapshot, region and field, so no report ever computes
 * on (or crashes over) NaN, infinities, negative sizes or rounded addresses.
 *
 * Addresses, sizes and counts are JS numbers, exact up to 2^53-1
 * (Number.MAX_SAFE_INTEGER). Values above that cannot be carried exactly (a region at
 * 9007199254740993 would read as ...992, ULONG_MAX as 2^64), so they are refused.
 */
import { FormatError } from "../util/errors.js";
import type { DamonRecord, Snapshot } from "./model.js";

const MAX = Number.MAX_SAFE_INTEGER;

/** What is wrong with a value that must be an integer in [0, 2^53-1]; null when fine. */
function uintProblem(v: number): string | null {
  if (Number.isNaN(v)) return "is not a number";
  if (!Number.isFinite(v)) return `is not finite (${v})`;
  if (v < 0) return `is negative (${v})`;
  if (!Number.isInteger(v)) return `is not an integer (${v})`;
  if (v > MAX) return `is above 2^53-1 (${MAX}); such values cannot be carried exactly and are not supported`;
  return null;
}

function isUint(v: number): boolean {
  return v >= 0 && v <= MAX && Math.floor(v) === v;
}

function isFakeSnapshot(s: Snapshot): boolean {
  // damo's marker that lets perf script readers infer a lone snapshot's start time
  return s.nr === 1 && s.start[0] === 0 && s.end[0] === 0 && s.samples[0] === -1 && s.age[0] === -1;
}

/** Throws a FormatError for the first field of `records` that a report could not use. */
export function validateRecords(records: readonly DamonRecord[], file: string): void {
  for (let ri = 0; ri < records.length; ri++) {
    const rec = records[ri];
    const at = `${file}: record ${ri}`;
    const uint = (v: number, field: string, where = at): void => {
      const p = uintProblem(v);
      if (p !== null) throw new FormatError(`'${field}' ${p}`, where);
    };
    const optUint = (v: number | null, field: string, where = at): void => {
      if (v !== null) uint(v, field, where);
    };
    optUint(rec.kdamondIdx, "kdamond_idx");
    optUint(rec.contextIdx, "context_idx");
    optUint(rec.schemeIdx, "scheme_idx");
    if (rec.targetId !== null && !/^\d+$/.test(rec.targetId))
      throw new FormatError(`'target_id' must be a non-negative integer, not '${rec.targetId}'`, at);
    const iv = rec.intervals;
    if (iv) {
      for (const [k, v] of [
        ["sample_us", iv.sampleUs],
        ["aggr_us", iv.aggrUs],
      ] as const) {
        if (!(Number.isFinite(v) && v > 0 && v <= MAX))
          throw new FormatError(`'intervals.${k}' must be a positive finite number, not ${v}`, at);
      }
      if (!(Number.isFinite(iv.updateUs) && iv.updateUs >= 0 && iv.updateUs <= MAX))
        throw new FormatError(
          `'intervals.ops_update_us' must be a finite number >= 0, not ${iv.updateUs}`,
          at,
        );
      if (iv.goal) {
        for (const [k, v] of Object.entries(iv.goal))
          if (!(Number.isFinite(v) && v >= 0))
            throw new FormatError(
              `'intervals.intervals_goal.${k}' must be a finite number >= 0, not ${v}`,
              at,
            );
      }
    }
    for (let fi = 0; fi < rec.schemeFilters.length; fi++) {
      const f = rec.schemeFilters[fi];
      const w = `${at}, scheme filter ${fi}`;
      // filter bounds are only shown, never computed with; the kernel's "no limit" is
      // ULONG_MAX (2^64-1), which the writer gives back as damo wrote it
      const bound = (v: number, field: string): void => {
        if (!(Number.isFinite(v) && v >= 0))
          throw new FormatError(`'${field}' must be a finite number >= 0, not ${v}`, w);
      };
      if (f.addressRange) {
        bound(f.addressRange.start, "address_range.start");
        bound(f.addressRange.end, "address_range.end");
      }
      optUint(f.damonTargetIdx, "damon_target_idx", w);
      if (f.hugepageSize) {
        bound(f.hugepageSize[0], "hugepage_size[0]");
        bound(f.hugepageSize[1], "hugepage_size[1]");
      }
    }
    for (let si = 0; si < rec.snapshots.length; si++) {
      const s = rec.snapshots[si];
      const sw = `${at}, snapshot ${si}`;
      if (!Number.isFinite(s.startNs))
        throw new FormatError(`'start_time' is not a finite time (${s.startNs})`, sw);
      if (!Number.isFinite(s.endNs))
        throw new FormatError(`'end_time' is not a finite time (${s.endNs})`, sw);
      if (s.startNs < 0 || s.endNs < 0)
        throw new FormatError(`snapshot times must not be negative (${s.startNs}, ${s.endNs})`, sw);
      optUint(s.totalBytes, "total_bytes", sw);
      if (s.sampleIntervalUs !== null && !(Number.isFinite(s.sampleIntervalUs) && s.sampleIntervalUs >= 0))
        throw new FormatError(
          `'sample_interval_us' must be a finite number >= 0, not ${s.sampleIntervalUs}`,
          sw,
        );
      if (s.damosStats) for (const [k, v] of Object.entries(s.damosStats)) uint(v, `damos_stats.${k}`, sw);
      if (isFakeSnapshot(s)) continue;
      const { start, end, samples, age, szFilterPassed: szf } = s;
      for (let i = 0; i < s.nr; i++) {
        const a = age[i];
        const z = szf[i];
        // the common case in one test: integers in [0, 2^53-1], end >= start, age/szf unknown or fine
        if (
          isUint(start[i]) &&
          isUint(end[i]) &&
          end[i] >= start[i] &&
          isUint(samples[i]) &&
          (a !== a || isUint(a)) &&
          (z !== z || isUint(z))
        )
          continue;
        const w = `${sw}, region ${i}`;
        uint(start[i], "start", w);
        uint(end[i], "end", w);
        if (end[i] < start[i])
          throw new FormatError(`region end ${end[i]} is below its start ${start[i]}`, w);
        uint(samples[i], "nr_accesses", w);
        if (!Number.isNaN(a)) uint(a, "age", w);
        if (!Number.isNaN(z)) uint(z, "sz_filter_passed", w);
      }
    }
  }
}
