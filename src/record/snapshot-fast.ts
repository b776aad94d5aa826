/**
 * The reader's fast paths for a whole snapshot object, tried before the byte-level
 * parser reads it: the pattern reader for the two layouts records are written in
 * (compact-snapshot.ts), then the native JSON.parse on the snapshot's text. Both
 * give up (0) on anything unusual, and the byte-level parser then reads the
 * snapshot and names any problem exactly, so the fast paths change speed only.
 */
import { CompactReader, LAYOUTS, MISMATCH, NEED_MORE, START_TIME } from "./compact-snapshot.js";
import type { RegionColumns } from "./region-columns.js";
import { ProbeHitsBuilder, parseProbeHitsValue } from "./probe-hits.js";
import { fastSize } from "./region-fields.js";
import type { Snapshot } from "./model.js";

/** Snapshots bigger than this are read by the byte-level parser instead of waiting for more data. */
export const FAST_LIMIT = 32 << 20;

/** What the fast paths fill: the reader's columns and snapshots. */
export interface SnapshotSink {
  readonly cols: RegionColumns;
  readonly probeHits: ProbeHitsBuilder;
  /** Snapshots of the current record read so far. */
  readonly snapshots: Snapshot[];
  /** The snapshot from its other key-values and the first nr rows of the columns; throws if unusable. */
  snapshotOf(kv: Record<string, unknown>, nr: number): Snapshot;
}

export class FastSnapshots {
  private readonly compact = new CompactReader();
  /** Index in LAYOUTS of the pattern reader to try, -1 for none. */
  private layout = 0;
  private layoutFixed = false;
  private layoutMisses = 0;
  /** Bytes after a pending snapshot's start already searched for the next one. */
  private searchedTo = 0;

  constructor(readonly enabled = true) {}

  /** Drops the reference to the last buffer. */
  release(): void {
    this.compact.release();
  }

  /**
   * Reads one snapshot object starting at buf[i] into the sink. Returns the index
   * after the object, 0 to use the byte-level parser for this snapshot, or -1 to
   * wait for more data.
   */
  read(buf: Buffer, i: number, final: boolean, sink: SnapshotSink): number {
    if (!this.enabled) return 0;
    if (this.layout >= 0) {
      const r = this.compact.read(
        new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
        i,
        sink.cols,
        LAYOUTS[this.layout],
      );
      if (typeof r === "object") {
        sink.snapshots.push({
          startNs: r.startNs,
          endNs: r.endNs,
          nr: r.nr,
          ...sink.cols.take(r.nr),
          totalBytes: r.totalBytes,
          damosStats: null,
          sampleIntervalUs: r.sampleIntervalUs,
        });
        this.layoutFixed = true;
        return r.end;
      }
      if (r === NEED_MORE && !final && buf.length - i < FAST_LIMIT) return -1;
      // the first snapshot of a file picks the layout; if none fits, stop trying
      if (r === MISMATCH && sink.snapshots.length === 0 && !this.layoutFixed) {
        this.layout = this.layout + 1 < LAYOUTS.length ? this.layout + 1 : -1;
        if (this.layout >= 0) return this.read(buf, i, final, sink);
      }
      if (r === MISMATCH) this.layoutMisses++;
      if (this.layoutMisses > 8 && this.layoutMisses > sink.snapshots.length) this.layout = -1;
    }
    // the snapshot's text runs to the last '}' before the next snapshot's "start_time"
    // key; the native JSON.parse then validates that it is exactly one object
    const own = buf.indexOf(START_TIME, i + 1);
    // after waiting for data, resume the search where the last one stopped
    const from = Math.max(own + START_TIME.length, i + this.searchedTo);
    const next = own < 0 ? -1 : buf.indexOf(START_TIME, from);
    if (next < 0) {
      if (!final && buf.length - i < FAST_LIMIT) {
        this.searchedTo = Math.max(0, buf.length - i - START_TIME.length);
        return -1;
      }
      this.searchedTo = 0;
      return 0;
    }
    this.searchedTo = 0;
    const end = buf.lastIndexOf(0x7d, next);
    if (end <= i) return 0;
    let obj: unknown;
    try {
      obj = JSON.parse(buf.toString("utf8", i, end + 1));
    } catch {
      return 0;
    }
    const snap = snapshotFromObject(obj, sink);
    if (!snap) return 0;
    sink.snapshots.push(snap);
    return end + 1;
  }
}

/** Converts a parsed snapshot; null when anything is unusual (the byte-level parser then reports it). */
function snapshotFromObject(o: unknown, sink: SnapshotSink): Snapshot | null {
  if (typeof o !== "object" || o === null) return null;
  const kv = o as Record<string, unknown>;
  const regions = kv.regions;
  if (!Array.isArray(regions) || !("start_time" in kv) || !("end_time" in kv)) return null;
  const n = regions.length;
  for (let k = 0; k < n; k++) {
    const r = regions[k] as Record<string, unknown> | null;
    if (typeof r !== "object" || r === null) return null;
    const st = intOf(r.start);
    const en = intOf(r.end);
    const nr = r.nr_accesses as Record<string, unknown> | undefined;
    const age = r.age as Record<string, unknown> | undefined;
    if (st === undefined || en === undefined || en < st || typeof nr !== "object" || nr === null) return null;
    if (typeof age !== "object" || age === null || !("usec" in age) || !("aggr_intervals" in age))
      return null;
    const samples = nr.samples;
    if (typeof samples !== "number") return null;
    // values not used here are still checked as the byte-level parser checks them
    if (nr.percent !== null && typeof nr.percent !== "number") return null;
    if (age.usec !== null && typeof age.usec !== "number" && !isTimeText(age.usec)) return null;
    let a = NaN;
    if (age.aggr_intervals !== null) {
      const v = intOf(age.aggr_intervals);
      if (v === undefined) return null;
      a = v;
    } else if (age.usec !== null) return null;
    let szf = 0;
    if (r.sz_filter_passed !== undefined) {
      if (typeof r.sz_filter_passed === "number") szf = r.sz_filter_passed;
      else if (typeof r.sz_filter_passed === "string") {
        const b = Buffer.from(r.sz_filter_passed, "latin1");
        const v = fastSize(b, 0, b.length);
        if (v === undefined) return null;
        szf = v;
      } else return null;
    }
    if (r.probe_hits !== undefined) {
      const hits = parseProbeHitsValue(r.probe_hits);
      if (typeof hits === "string") return null;
      sink.probeHits.set(k, hits);
    }
    sink.cols.push(k, st, en, samples, a, szf);
  }
  kv.regions = true;
  try {
    return sink.snapshotOf(kv, n);
  } catch {
    return null; // the byte-level parser reads it again and says exactly where
  }
}

/** damo's time text ("4 s 600 ms"), a form text_to_ns reads; other forms are left to the byte-level parser. */
function isTimeText(v: unknown): boolean {
  return typeof v === "string" && TIME_TEXT.test(v);
}
const TIME_TEXT = /^\d+(\.\d+)? (ns|us|ms|s|m|h|d)( \d+(\.\d+)? (ns|us|ms|s|m|h|d))*$/;

/** "94,827,419,009,024" or 94827419009024; undefined for other forms. */
function intOf(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string" || v.length === 0) return undefined;
  let x = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) x = x * 10 + (c - 0x30);
    else if (c !== 0x2c) return undefined;
  }
  return x;
}
