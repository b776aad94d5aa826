/**
 * Adds the access index (access-index.ts) to a trace written before format 1.1,
 * in place and atomically: the index chunk goes just before the footer, every
 * other byte stays where it was (the header still says its own version; readers
 * use an index whatever the minor version). scripts/add-trace-index.ts runs it.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { FormatError } from "../../util/errors.js";
import { IndexBuilder } from "./access-index.js";
import { CHUNK_FOOTER, CHUNK_HEADER_BYTES, CHUNK_INDEX, FILE_PREFIX_BYTES } from "./format.js";
import { TraceReader } from "./reader.js";
import { frameChunk, parseChunkHeader } from "./chunk-frame.js";

/** Adds the index to the trace at `path`; false when it already has one. Damaged or partial traces are refused. */
export function addTraceIndex(path: string): boolean {
  const bytes = readFileSync(path);
  const skim = TraceReader.fromBytes(bytes, path);
  for (const _ of skim.skim());
  if (skim.index !== undefined) return false;
  const r = TraceReader.fromBytes(bytes, path);
  const b = new IndexBuilder();
  for (const item of r) {
    if (item.kind === "damage")
      throw new FormatError(`damaged at offset ${item.damage.offset}: not indexed`, path);
    if (item.kind === "events") b.events(item.events);
    else b.accesses(item, parseChunkHeader(bytes, item.offset)!.crc);
  }
  if (r.footer === undefined) throw new FormatError("no footer (cut short): not indexed", path);
  const footerAt = lastChunkOffset(bytes, path);
  const index = b.finish();
  const [h, comp] = frameChunk(
    CHUNK_INDEX,
    index.chunks.length,
    Buffer.from(JSON.stringify(index)),
    r.footer.accesses,
    "deflate",
    6,
  );
  writeFileAtomic(path, Buffer.concat([bytes.subarray(0, footerAt), h, comp, bytes.subarray(footerAt)]));
  return true;
}

/** Offset of the footer chunk, which must end the file (the trace read clean). */
function lastChunkOffset(bytes: Buffer, path: string): number {
  let s = FILE_PREFIX_BYTES + bytes.readUInt32LE(12);
  let last = -1;
  while (s < bytes.length) {
    const h = parseChunkHeader(bytes, s);
    if (h === undefined) throw new FormatError("no chunk header here", `${path}:offset ${s}`);
    last = h.type === CHUNK_FOOTER ? s : -1;
    s += CHUNK_HEADER_BYTES + h.compLen;
  }
  if (last < 0 || s !== bytes.length) throw new FormatError("the footer is not the last chunk", path);
  return last;
}
