/**
 * Writes damo record files: json_compressed (damo's default), json and
 * perf_script, with damo's key order and value forms (formats.md §2.2: region
 * addresses as comma-grouped strings, times and intervals as digit strings, ages
 * as grouped strings), laid out as Python's json.dumps(indent=4) does, so the
 * bytes match what damo itself writes. Output streams into a temporary file that
 * is renamed into place on close(): an interrupted run leaves no truncated record.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AtomicFileWriter } from "../util/atomic-write.js";
import { UsageError } from "../util/errors.js";
import { formatBp, formatNr, formatSz, formatTimeNsExact, formatTimeUs } from "./damo-fmt.js";
import { pyInt } from "./pyfmt.js";
import {
  makeSnapshot,
  type DamonRecord,
  type DamosStats,
  type Intervals,
  type RegionInput,
  type SchemeFilter,
  type Snapshot,
} from "./model.js";
import { perfScriptLines } from "./perf-script.js";
import { ZlibSink } from "./zlib-sink.js";
import { regionProbeHits } from "./probe-hits.js";
import type { RecordFormat } from "./read.js";

export const RECORD_FORMATS: readonly RecordFormat[] = ["json_compressed", "json", "perf_script"];

export interface RecordWriterOptions {
  /** Default json_compressed. */
  format?: RecordFormat;
  kdamondIdx?: number | null;
  contextIdx?: number | null;
  schemeIdx?: number | null;
  /** Kernel target id; null for none. Default 0 (what damo writes for sysfs snapshots). */
  targetId?: number | string | null;
  intervals?: { sampleUs: number; aggrUs: number; updateUs: number; goal?: Intervals["goal"] } | null;
  schemeFilters?: SchemeFilter[];
  dataSource?: string | null;
  /**
   * 4: damo's own json.dumps(indent=4) layout, byte-identical to what damo writes.
   * 0 (default): compact, separators (',', ':'); damo reads it the same, and it is
   * 3x smaller, so large records load 2-3x faster.
   */
  indent?: 4 | 0;
}

/** One aggregation's result, as the simulator produces it. */
export interface SnapshotInput {
  startNs: number;
  endNs: number;
  regions: readonly RegionInput[];
  damosStats?: DamosStats | null;
  totalBytes?: number | null;
  sampleIntervalUs?: number | null;
}

type Sink = { write(s: string): void; finish(): void };

/**
 * Streams one record (one kdamond/context/target) to a file:
 * `new RecordWriter(path, opts)`, `addSnapshot(...)` per aggregation, `close()`.
 */
export class RecordWriter {
  private readonly file: AtomicFileWriter;
  private readonly sink: Sink;
  private readonly format: RecordFormat;
  private readonly record: DamonRecord;
  private readonly ind: JsonLayout;
  private nrSnapshots = 0;
  private firstPerf: Snapshot | null = null;
  private closed = false;

  constructor(path: string, opts: RecordWriterOptions = {}) {
    this.format = opts.format ?? "json_compressed";
    if (!RECORD_FORMATS.includes(this.format))
      throw new UsageError(
        `unknown record format '${String(this.format)}' (json_compressed, json, perf_script)`,
      );
    this.record = recordFromMeta(opts);
    this.ind = new JsonLayout(opts.indent ?? 0);
    this.file = new AtomicFileWriter(path);
    const f = this.file;
    if (this.format === "json_compressed") {
      const z = new ZlibSink((b) => f.write(b));
      this.sink = { write: (s) => z.write(s), finish: () => z.finish() };
    } else {
      let buf = "";
      this.sink = {
        write: (s) => {
          buf += s;
          if (buf.length > 1 << 20) {
            f.write(buf);
            buf = "";
          }
        },
        finish: () => f.write(buf),
      };
    }
    if (this.format !== "perf_script") this.sink.write(this.ind.recordHead(this.record));
  }

  /** Adds one snapshot (regions in address order). */
  addSnapshot(input: SnapshotInput | Snapshot): void {
    if (this.closed) throw new Error("RecordWriter: addSnapshot after close");
    const snap: Snapshot =
      "regions" in input
        ? makeSnapshot(input.startNs, input.endNs, input.regions, {
            totalBytes: input.totalBytes ?? null,
            damosStats: input.damosStats ?? null,
            sampleIntervalUs: input.sampleIntervalUs ?? null,
          })
        : input;
    if (this.format === "perf_script") {
      // a lone snapshot needs a fake follower; wait until we know
      if (this.nrSnapshots === 0) this.firstPerf = snap;
      else {
        if (this.firstPerf) {
          this.writePerf(this.firstPerf);
          this.firstPerf = null;
        }
        this.writePerf(snap);
      }
    } else {
      this.sink.write(this.ind.snapshot(snap, this.nrSnapshots === 0));
    }
    this.nrSnapshots++;
  }

  private writePerf(s: Snapshot): void {
    for (const t of perfScriptLines([{ ...this.record, snapshots: [s, s] }])) {
      this.sink.write(t);
      break; // only the first snapshot's lines
    }
  }

  /** Finishes the file and renames it into place. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.format === "perf_script") {
        if (this.firstPerf)
          for (const t of perfScriptLines([{ ...this.record, snapshots: [this.firstPerf] }]))
            this.sink.write(t);
      } else this.sink.write(this.ind.recordTail(this.record, this.nrSnapshots === 0));
      this.sink.finish();
      this.file.commit();
    } catch (e) {
      this.file.abort();
      throw e;
    }
  }

  /** Drops the partial file. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.abort();
  }
}

/** What identifies one record of a RecordSetWriter. */
export type RecordMeta = Omit<RecordWriterOptions, "format" | "indent">;

function recordFromMeta(opts: RecordMeta): DamonRecord {
  const iv = opts.intervals;
  return {
    kdamondIdx: opts.kdamondIdx ?? null,
    contextIdx: opts.contextIdx ?? null,
    intervals: iv
      ? { sampleUs: iv.sampleUs, aggrUs: iv.aggrUs, updateUs: iv.updateUs, goal: iv.goal ?? null }
      : null,
    schemeIdx: opts.schemeIdx ?? null,
    targetId: opts.targetId === undefined ? "0" : opts.targetId === null ? null : String(opts.targetId),
    schemeFilters: opts.schemeFilters ?? [],
    snapshots: [],
    dataSource: opts.dataSource ?? null,
  };
}

function toSnapshot(input: SnapshotInput | Snapshot): Snapshot {
  return "regions" in input
    ? makeSnapshot(input.startNs, input.endNs, input.regions, {
        totalBytes: input.totalBytes ?? null,
        damosStats: input.damosStats ?? null,
        sampleIntervalUs: input.sampleIntervalUs ?? null,
      })
    : input;
}

/**
 * Streams several records (targets, contexts, kdamonds) into one file, snapshots
 * arriving in any interleaving: `addRecord(meta)` gives an index, then
 * `addSnapshot(index, snapshot)`, then `close()`. JSON records are spooled to
 * temporary files beside the output (memory stays flat) and joined on close.
 */
export class RecordSetWriter {
  private readonly format: RecordFormat;
  private readonly ind: JsonLayout;
  private readonly records: DamonRecord[] = [];
  private readonly counts: number[] = [];
  private readonly spools: { path: string; fd: number; buf: string }[] = [];
  private readonly firstPerf: (Snapshot | null)[] = [];
  private readonly perf: AtomicFileWriter | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    opts: { format?: RecordFormat; indent?: 4 | 0 } = {},
  ) {
    this.format = opts.format ?? "json_compressed";
    if (!RECORD_FORMATS.includes(this.format))
      throw new UsageError(
        `unknown record format '${String(this.format)}' (json_compressed, json, perf_script)`,
      );
    this.ind = new JsonLayout(opts.indent ?? 0);
    if (this.format === "perf_script") this.perf = new AtomicFileWriter(path);
  }

  addRecord(meta: RecordMeta): number {
    if (this.closed) throw new Error("RecordSetWriter: addRecord after close");
    const i = this.records.length;
    this.records.push(recordFromMeta(meta));
    this.counts.push(0);
    this.firstPerf.push(null);
    if (this.format !== "perf_script") {
      const sp = join(dirname(this.path), `.${basename(this.path)}.rec${i}.tmp-${process.pid}`);
      this.spools.push({ path: sp, fd: openSync(sp, "w"), buf: "" });
    }
    return i;
  }

  addSnapshot(record: number, input: SnapshotInput | Snapshot): void {
    if (this.closed) throw new Error("RecordSetWriter: addSnapshot after close");
    const rec = this.records[record];
    if (!rec) throw new Error(`RecordSetWriter: no record ${record}`);
    const snap = toSnapshot(input);
    if (this.perf) {
      if (this.counts[record] === 0) this.firstPerf[record] = snap;
      else {
        const first = this.firstPerf[record];
        if (first) {
          this.writePerf(rec, first);
          this.firstPerf[record] = null;
        }
        this.writePerf(rec, snap);
      }
    } else {
      const sp = this.spools[record];
      sp.buf += this.ind.snapshot(snap, this.counts[record] === 0);
      if (sp.buf.length > 1 << 20) {
        writeSync(sp.fd, sp.buf);
        sp.buf = "";
      }
    }
    this.counts[record]++;
  }

  private writePerf(rec: DamonRecord, s: Snapshot): void {
    for (const t of perfScriptLines([{ ...rec, snapshots: [s, s] }])) {
      this.perf!.write(t);
      break;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.perf) {
      try {
        this.records.forEach((rec, i) => {
          const first = this.firstPerf[i];
          if (first) for (const t of perfScriptLines([{ ...rec, snapshots: [first] }])) this.perf!.write(t);
        });
        this.perf.commit();
      } catch (e) {
        this.perf.abort();
        throw e;
      }
      return;
    }
    const file = new AtomicFileWriter(this.path);
    try {
      let write: (s: string | Uint8Array) => void;
      let finish: () => void = () => undefined;
      if (this.format === "json_compressed") {
        const z = new ZlibSink((b) => file.write(b));
        write = (s) => z.write(s);
        finish = () => z.finish();
      } else write = (s) => file.write(s);
      write(this.ind.listOpen(this.records.length === 0));
      const chunk = Buffer.alloc(4 << 20);
      this.records.forEach((rec, i) => {
        const sp = this.spools[i];
        if (sp.buf) writeSync(sp.fd, sp.buf);
        sp.buf = "";
        closeSync(sp.fd);
        write(this.ind.recordHead(rec, i === 0, true));
        const fd = openSync(sp.path, "r");
        try {
          for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) write(chunk.subarray(0, n));
        } finally {
          closeSync(fd);
        }
        write(this.ind.recordTail(rec, this.counts[i] === 0, true));
      });
      write(this.ind.listClose(this.records.length === 0));
      finish();
      file.commit();
    } catch (e) {
      file.abort();
      throw e;
    } finally {
      this.removeSpools();
    }
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.perf?.abort();
    for (const sp of this.spools) {
      try {
        closeSync(sp.fd);
      } catch {
        // already closed
      }
    }
    this.removeSpools();
  }

  private removeSpools(): void {
    for (const sp of this.spools) rmSync(sp.path, { force: true });
  }
}

/** damo's `report access --json` text: the records as JSON (indent 4), raw or human numbers. */
export function* recordsJsonChunks(records: readonly DamonRecord[], rawNumber: boolean): Generator<string> {
  const ind = new JsonLayout(4, !rawNumber);
  yield ind.listOpen(records.length === 0);
  for (let ri = 0; ri < records.length; ri++) {
    const rec = records[ri];
    yield ind.recordHead(rec, ri === 0, true);
    for (let si = 0; si < rec.snapshots.length; si++) yield ind.snapshot(rec.snapshots[si], si === 0);
    yield ind.recordTail(rec, rec.snapshots.length === 0, true);
  }
  yield ind.listClose(records.length === 0);
}

/** Writes whole records (several targets) to a file in one go. */
export function writeRecords(
  path: string,
  records: readonly DamonRecord[],
  format: RecordFormat = "json_compressed",
  indent: 4 | 0 = 4,
): void {
  const file = new AtomicFileWriter(path);
  try {
    let write: (s: string) => void;
    let finish: () => void;
    if (format === "json_compressed") {
      const z = new ZlibSink((b) => file.write(b));
      write = (s) => z.write(s);
      finish = () => z.finish();
    } else if (format === "json" || format === "perf_script") {
      write = (s) => file.write(s);
      finish = () => undefined;
    } else throw new UsageError(`unknown record format '${String(format)}'`);
    if (format === "perf_script") {
      for (const t of perfScriptLines(records)) write(t);
    } else {
      const ind = new JsonLayout(indent);
      write(ind.listOpen(records.length === 0));
      records.forEach((rec, ri) => {
        write(ind.recordHead(rec, ri === 0, true));
        rec.snapshots.forEach((s, si) => write(ind.snapshot(s, si === 0)));
        write(ind.recordTail(rec, rec.snapshots.length === 0, true));
      });
      write(ind.listClose(records.length === 0));
    }
    finish();
    file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}

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
