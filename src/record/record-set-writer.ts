import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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
  type RecordMeta,
  type SnapshotInput,
} from "./record-output.js";

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
    this.format = checkRecordFormat(opts.format ?? "json_compressed");
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
      const sink = recordSink(file, this.format);
      const write = (s: string | Uint8Array): void => sink.write(s);
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
      sink.finish();
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
