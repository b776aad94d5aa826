/** What the record writers share: the formats, a record's metadata, the snapshots they take and the output sink. */
import type { AtomicFileWriter } from "../util/atomic-write.js";
import { UsageError } from "../util/errors.js";
import {
  makeSnapshot,
  type DamonRecord,
  type DamosStats,
  type Intervals,
  type RegionInput,
  type SchemeFilter,
  type Snapshot,
} from "./model.js";
import type { RecordFormat } from "./read.js";
import { ZlibSink } from "./zlib-sink.js";

export const RECORD_FORMATS: readonly RecordFormat[] = ["json_compressed", "json", "perf_script"];

/** A record format from options or callers; any other is a usage error naming the allowed ones. */
export function checkRecordFormat(format: RecordFormat): RecordFormat {
  if (!RECORD_FORMATS.includes(format))
    throw new UsageError(`unknown record format '${String(format)}' (json_compressed, json, perf_script)`);
  return format;
}

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

/** What identifies one record of a RecordSetWriter. */
export type RecordMeta = Omit<RecordWriterOptions, "format" | "indent">;

export function recordFromMeta(opts: RecordMeta): DamonRecord {
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

export function toSnapshot(input: SnapshotInput | Snapshot): Snapshot {
  return "regions" in input
    ? makeSnapshot(input.startNs, input.endNs, input.regions, {
        totalBytes: input.totalBytes ?? null,
        damosStats: input.damosStats ?? null,
        sampleIntervalUs: input.sampleIntervalUs ?? null,
      })
    : input;
}

/** Where a record file's text goes. */
export interface RecordSink {
  write(data: string | Uint8Array): void;
  finish(): void;
}

/** zlib-compressed for json_compressed, else as is; text is gathered into large writes either way. */
export function recordSink(file: AtomicFileWriter, format: RecordFormat): RecordSink {
  if (format === "json_compressed") {
    const z = new ZlibSink((b) => file.write(b));
    return { write: (d) => z.write(d), finish: () => z.finish() };
  }
  let buf = "";
  const flush = (): void => {
    if (buf !== "") file.write(buf);
    buf = "";
  };
  return {
    write: (d) => {
      if (typeof d !== "string") {
        flush();
        file.write(d);
        return;
      }
      buf += d;
      if (buf.length > 1 << 20) flush();
    },
    finish: flush,
  };
}
