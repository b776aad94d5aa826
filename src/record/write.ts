/**
 * Writes damo record files: json_compressed (damo's default), json and
 * perf_script, with damo's key order and value forms (formats.md §2.2: region
 * addresses as comma-grouped strings, times and intervals as digit strings, ages
 * as grouped strings), laid out as Python's json.dumps(indent=4) does, so the
 * bytes match what damo itself writes. Output streams into a temporary file that
 * is renamed into place on close(): an interrupted run leaves no truncated record.
 */
import { AtomicFileWriter } from "../util/atomic-write.js";
import { JsonLayout } from "./json-layout.js";
import type { DamonRecord, Snapshot } from "./model.js";
import { perfScriptLines } from "./perf-script.js";
import type { RecordFormat } from "./read.js";
import {
  checkRecordFormat,
  recordFromMeta,
  recordSink,
  toSnapshot,
  type RecordSink,
  type RecordWriterOptions,
  type SnapshotInput,
} from "./record-output.js";

export { JsonLayout } from "./json-layout.js";
export { RecordSetWriter } from "./record-set-writer.js";
export {
  RECORD_FORMATS,
  type RecordMeta,
  type RecordWriterOptions,
  type SnapshotInput,
} from "./record-output.js";

/**
 * Streams one record (one kdamond/context/target) to a file:
 * `new RecordWriter(path, opts)`, `addSnapshot(...)` per aggregation, `close()`.
 */
export class RecordWriter {
  private readonly file: AtomicFileWriter;
  private readonly sink: RecordSink;
  private readonly format: RecordFormat;
  private readonly record: DamonRecord;
  private readonly ind: JsonLayout;
  private nrSnapshots = 0;
  private firstPerf: Snapshot | null = null;
  private closed = false;

  constructor(path: string, opts: RecordWriterOptions = {}) {
    this.format = checkRecordFormat(opts.format ?? "json_compressed");
    this.record = recordFromMeta(opts);
    this.ind = new JsonLayout(opts.indent ?? 0);
    this.file = new AtomicFileWriter(path);
    this.sink = recordSink(this.file, this.format);
    if (this.format !== "perf_script") this.sink.write(this.ind.recordHead(this.record));
  }

  /** Adds one snapshot (regions in address order). */
  addSnapshot(input: SnapshotInput | Snapshot): void {
    if (this.closed) throw new Error("RecordWriter: addSnapshot after close");
    const snap = toSnapshot(input);
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

/** JSON text of whole records, piece by piece, in a layout (a list of records as damo writes it). */
export function* recordListChunks(records: readonly DamonRecord[], ind: JsonLayout): Generator<string> {
  yield ind.listOpen(records.length === 0);
  for (let ri = 0; ri < records.length; ri++) {
    const rec = records[ri];
    yield ind.recordHead(rec, ri === 0, true);
    for (let si = 0; si < rec.snapshots.length; si++) yield ind.snapshot(rec.snapshots[si], si === 0);
    yield ind.recordTail(rec, rec.snapshots.length === 0, true);
  }
  yield ind.listClose(records.length === 0);
}

/** damo's `report access --json` text: the records as JSON (indent 4), raw or human numbers. */
export function recordsJsonChunks(records: readonly DamonRecord[], rawNumber: boolean): Generator<string> {
  return recordListChunks(records, new JsonLayout(4, !rawNumber));
}

/** Writes whole records (several targets) to a file in one go. */
export function writeRecords(
  path: string,
  records: readonly DamonRecord[],
  format: RecordFormat = "json_compressed",
  indent: 4 | 0 = 4,
): void {
  checkRecordFormat(format);
  const file = new AtomicFileWriter(path);
  try {
    const sink = recordSink(file, format);
    const chunks =
      format === "perf_script" ? perfScriptLines(records) : recordListChunks(records, new JsonLayout(indent));
    for (const t of chunks) sink.write(t);
    sink.finish();
    file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}
