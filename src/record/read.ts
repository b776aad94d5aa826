/**
 * Reads a record file of any damo format, chosen from the content (formats.md
 * §2.1: damo asks `file(1)` and fails on modern systems; we look at the bytes):
 * a zlib header means json_compressed, a leading '[' or '{' means JSON, text lines
 * mean perf script. Data is streamed, never loaded whole.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from "node:fs";
import { createGunzip, createInflate } from "node:zlib";
import { FormatError, InputError } from "../util/errors.js";
import { RecordJsonParser } from "./json-stream.js";
import { validateRecords } from "./validate.js";
import { readOnWorker, type ReadWorkerOptions } from "./read-worker.js";
import type { DamonRecord, Snapshot } from "./model.js";

export type RecordFormat = "json_compressed" | "json" | "perf_script";

/** Formats we can read; gzip'd JSON is accepted too (damo never writes it). */
export type ReadableFormat = RecordFormat | "json_gzip";

const CHUNK = 4 << 20;

/**
 * JSON files (compressed or not) from this size on are read on a worker thread
 * too (read-worker.ts); below it a worker's start-up would cost more than it saves.
 */
export const WORKER_INFLATE_MIN_BYTES = 1 << 20;

/** Detects the format of a record file from its first bytes. */
export function detectRecordFormat(path: string): ReadableFormat {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new InputError(`cannot open record file: ${(e as Error).message}`, path);
  }
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new FormatError("empty file; not a record", path);
  const b = head.subarray(0, n);
  if (n >= 2 && b[0] === 0x78 && ((b[0] << 8) | b[1]) % 31 === 0) return "json_compressed";
  if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return "json_gzip";
  if (b.subarray(0, 8).toString("latin1").startsWith("PERFILE")) {
    throw new FormatError(
      "this is a binary perf.data file; convert it with `perf script -i <file> > out.txt` and read that",
      path,
    );
  }
  if (b.subarray(0, 16).toString("latin1") === "damon_recfmt_ver") {
    throw new FormatError(
      "this is damo's old binary record format (damon_recfmt_ver, written only by damo 2.0 and older); " +
        "not supported: convert it to json with the damo version that wrote it",
      path,
    );
  }
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  while (i < n && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (i < n && (b[i] === 0x5b || b[i] === 0x7b)) return "json";
  for (let j = 0; j < n; j++) {
    const c = b[j];
    if (c === 0 || (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) {
      throw new FormatError("not a record file (binary data that is neither zlib nor JSON nor text)", path);
    }
  }
  return "perf_script";
}

/**
 * Reads every record of a file (json_compressed, json or perf script); every field
 * the reports use is checked (validate.ts), so what is returned is safe to report on.
 */
export async function readRecords(
  path: string,
  workerMinBytes = WORKER_INFLATE_MIN_BYTES,
  workerOptions: ReadWorkerOptions = {},
): Promise<DamonRecord[]> {
  const records = await parseRecords(path, workerMinBytes, undefined, workerOptions);
  validateRecords(records, path);
  return records;
}

/**
 * Reads a record file handing its snapshots to `onSnapshots` (record index, snapshots
 * in order) as they complete, so they need not all be in memory (JSON formats; perf
 * script is handed over at the end). Returns the records, each with the snapshots
 * not yet handed over; their own fields are validated as readRecords does.
 */
export async function streamRecords(
  path: string,
  onSnapshots: (record: number, snapshots: Snapshot[]) => void,
): Promise<DamonRecord[]> {
  const records = await parseRecords(path, WORKER_INFLATE_MIN_BYTES, (p) => {
    const s = p.takeSnapshots();
    if (s.length > 0) onSnapshots(p.records.length, s);
  });
  validateRecords(records, path);
  return records;
}

/** A failure while inflating: the parser's own errors as they are, the rest as corrupt data. */
function corrupt(e: unknown, path: string): Error {
  if (e instanceof InputError) return e;
  return new FormatError(`zlib data is corrupt or truncated (${(e as Error).message})`, path);
}

/** A failure while reading plain text: the parser's own errors as they are, the rest as I/O errors. */
function unreadable(e: unknown, path: string): Error {
  if (e instanceof InputError) return e;
  return new InputError(`cannot read record file: ${(e as Error).message}`, path);
}

async function parseRecords(
  path: string,
  workerMinBytes: number,
  drain?: (p: RecordJsonParser) => void,
  workerOptions: ReadWorkerOptions = {},
): Promise<DamonRecord[]> {
  const format = detectRecordFormat(path);
  if (statSync(path).isDirectory()) throw new InputError("is a directory, not a record file", path);
  if (format === "perf_script") {
    // loaded only for perf script records: JSON ones (the usual) need not pay for it
    const { PerfScriptParser } = await import("./perf-script.js");
    const parser = new PerfScriptParser(path);
    const stream = createReadStream(path, { highWaterMark: CHUNK });
    for await (const chunk of stream) parser.feedBytes(chunk as Buffer);
    return parser.end();
  }
  const parser = new RecordJsonParser(path);
  // The worker only reads and inflates; the main thread parses. Interleaved runs of
  // the three reports on 1,000 x 1,000 records (docs/records.md) were 5-20 % slower in
  // wall time when the worker parsed slots too, even on a quiet machine: the hand-over
  // of parsed slots cost more than the second core gained, so that mode is gone.
  if (statSync(path).size >= workerMinBytes) {
    const codec = format === "json" ? "none" : format === "json_gzip" ? "gzip" : "zlib";
    try {
      for await (const piece of readOnWorker(path, codec, workerOptions)) {
        parser.feed(piece);
        drain?.(parser);
      }
    } catch (e) {
      throw codec === "none" ? unreadable(e, path) : corrupt(e, path);
    }
    return parser.end();
  }
  const file = createReadStream(path, { highWaterMark: CHUNK });
  if (format === "json") {
    for await (const chunk of file) {
      parser.feed(chunk as Buffer);
      drain?.(parser);
    }
    return parser.end();
  }
  const inflate =
    format === "json_gzip" ? createGunzip({ chunkSize: CHUNK }) : createInflate({ chunkSize: CHUNK });
  file.on("error", (e) => inflate.destroy(e));
  file.pipe(inflate);
  try {
    for await (const chunk of inflate) {
      parser.feed(chunk as Buffer);
      drain?.(parser);
    }
  } catch (e) {
    throw corrupt(e, path);
  } finally {
    file.destroy();
  }
  return parser.end();
}
