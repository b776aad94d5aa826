/**
 * `trace convert`: lackey text or CSV → trace, trace → CSV. The input format is
 * detected from the first bytes unless given.
 */
import { StringDecoder } from "node:string_decoder";
import { closeSync, openSync, readSync } from "node:fs";
import { AtomicFileWriter } from "../../util/atomic-write.js";
import { FormatError, UsageError } from "../../util/errors.js";
import { CSV_HEADER, CsvParser, traceToCsv } from "./csv.js";
import { FILE_MAGIC, type TraceFooter } from "./format.js";
import { LackeyParser } from "./lackey.js";
import { TraceReader } from "./reader.js";
import { createTraceFile, type TraceWriterOptions } from "./writer.js";

export type InputFormat = "trace" | "lackey" | "csv";
export type OutputFormat = "trace" | "csv";

/** Guesses the format of a file from its first 4 KiB. */
export function detectFormat(path: string): InputFormat {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(4096);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const head = buf.subarray(0, n).toString("latin1");
  if (head.startsWith(FILE_MAGIC)) return "trace";
  const firstLine = head.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#")) ?? "";
  if (firstLine.startsWith(CSV_HEADER)) return "csv";
  if (/^(==\d+==|I {2}[0-9a-f]+,| [LSM] [0-9a-f]+,)/.test(firstLine)) return "lackey";
  throw new FormatError(
    "cannot tell the input format (not a damon-ts trace, a CSV with header, or lackey --trace-mem text); use --from",
    `${path}:1`,
  );
}

export interface ConvertOptions extends TraceWriterOptions {
  from?: InputFormat;
  to: OutputFormat;
  /** CSV output: include memory-map event rows. */
  withEvents?: boolean;
}

export interface ConvertResult {
  from: InputFormat;
  to: OutputFormat;
  rows: number;
  footer?: TraceFooter;
}

/** Feeds the file's text in pieces, as UTF-8 (the CSV writer's encoding: mapping names may hold any character). */
function streamText(path: string, feed: (s: string) => void): void {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(4 << 20);
  // A character split between two reads is held back until its last byte is read.
  const utf8 = new StringDecoder("utf8");
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      feed(utf8.write(buf.subarray(0, n)));
    }
    const rest = utf8.end();
    if (rest !== "") feed(rest);
  } finally {
    closeSync(fd);
  }
}

export function convertTrace(input: string, output: string, opts: ConvertOptions): ConvertResult {
  const from = opts.from ?? detectFormat(input);
  const to = opts.to;
  if (from === "trace" && to === "csv") {
    const r = TraceReader.open(input);
    const out = new AtomicFileWriter(output);
    try {
      const rows = traceToCsv(r, (t) => out.write(t), opts.withEvents ?? false);
      if (r.damage.length > 0) {
        const d = r.damage[0];
        throw new FormatError(
          `damaged trace: ${d.message} (${r.damage.length} damaged stretch(es)); not converted`,
          `${input}:offset ${d.offset}`,
        );
      }
      out.commit();
      return { from, to, rows };
    } catch (e) {
      out.abort();
      throw e;
    } finally {
      r.close();
    }
  }
  if (to === "trace" && (from === "lackey" || from === "csv")) {
    const writerOpts = { chunkAccesses: opts.chunkAccesses, level: opts.level, codec: opts.codec };
    const file = createTraceFile(
      output,
      {
        tool: from,
        compression: opts.codec ?? "deflate",
        clockUnit: "instructions",
        pageSize: 4096,
        convertedFrom: input,
        ...(from === "lackey" ? { notes: ["converted from lackey text: no thread ids, no memory map"] } : {}),
      },
      writerOpts,
    );
    try {
      let rows: number;
      if (from === "lackey") {
        const p = new LackeyParser(file.writer, input);
        streamText(input, (t) => p.feed(t));
        p.end();
        rows = p.accesses;
      } else {
        const p = new CsvParser(file.writer, input);
        streamText(input, (t) => p.feed(t));
        p.end();
        rows = p.rows;
      }
      const footer = file.commit({ partial: false, endReason: `converted from ${from}` });
      return { from, to, rows, footer };
    } catch (e) {
      file.abort();
      throw e;
    }
  }
  if (from === "trace" && to === "trace") return recompress(input, output, opts);
  if (from === to) throw new UsageError(`input is already ${from}; nothing to convert`);
  throw new UsageError(`cannot convert ${from} to ${to} (supported: lackey→trace, csv→trace, trace→csv)`);
}

/** trace → trace: re-encodes (e.g. with another codec or chunk size), keeping header and footer. */
function recompress(input: string, output: string, opts: ConvertOptions): ConvertResult {
  const r = TraceReader.open(input);
  try {
    const file = createTraceFile(
      output,
      { ...r.header, compression: opts.codec ?? "deflate" },
      { chunkAccesses: opts.chunkAccesses, level: opts.level, codec: opts.codec },
    );
    try {
      const w = file.writer;
      let rows = 0;
      for (const item of r) {
        if (item.kind === "damage")
          throw new FormatError(
            `damaged trace: ${item.damage.message}; not converted`,
            `${input}:offset ${item.damage.offset}`,
          );
        if (item.kind === "events") for (const ev of item.events) w.event(ev);
        else {
          const { count, addr, size, isWrite, tid, clock } = item;
          for (let i = 0; i < count; i++) w.access(addr[i], size[i], isWrite[i], tid[i], clock[i]);
          rows += count;
        }
      }
      const src = r.footer;
      const how = src
        ? { ...src, partial: src.partial }
        : { partial: true, endReason: "source trace had no footer (cut short)" };
      const footer = file.commit(how);
      return { from: "trace", to: "trace", rows, footer };
    } catch (e) {
      file.abort();
      throw e;
    }
  } finally {
    r.close();
  }
}
