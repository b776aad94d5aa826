/**
 * Random access to a trace's access chunks by file offset. A replay scans the
 * trace once (replay/trace-scan.ts) and then reads each chunk it needs straight
 * from its offset: a thread never reads or decodes the chunks of other threads.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { crc32 } from "node:zlib";
import { FormatError } from "../../util/errors.js";
import type { AccessChunk, AccessDecoder } from "./access-decode.js";
import { inflatePayload, parseChunkHeader } from "./chunk-frame.js";
import { CHUNK_ACCESSES, CHUNK_HEADER_BYTES } from "./format.js";

export class AccessChunkFile {
  private fd = -1;
  private readonly head = new Uint8Array(CHUNK_HEADER_BYTES);
  private buf = new Uint8Array(0);

  constructor(readonly path: string) {}

  /**
   * Decodes the access chunk at `offset` into `decoder` and returns it. The offset
   * comes from a scan that checked this chunk's checksums, so anything else there
   * means the file changed since: a FormatError naming the offset. (A scan from the
   * trace's access index does not decode the chunk: a payload that passes its
   * checksum but does not decode is found here, and said so.)
   */
  read(offset: number, decoder: AccessDecoder): AccessChunk {
    if (this.fd < 0) this.fd = openSync(this.path, "r");
    const where = `${this.path}:offset ${offset}`;
    const changed = (what: string) =>
      new FormatError(`${what} (the trace changed since it was scanned)`, where);
    const corrupt = (what: string) =>
      new FormatError(
        `${what} (the trace changed since it was scanned, or the chunk is corrupt under a valid checksum: ` +
          "--allow-damaged-trace replays the rest)",
        where,
      );
    if (!this.readAt(this.head, CHUNK_HEADER_BYTES, offset)) throw changed("the trace ends inside a chunk");
    const h = parseChunkHeader(this.head, 0);
    if (h === undefined || h.type !== CHUNK_ACCESSES) throw changed("no access chunk here");
    if (this.buf.length < h.compLen) this.buf = new Uint8Array(Math.max(h.compLen, 2 * this.buf.length));
    const comp = this.buf.subarray(0, h.compLen);
    if (!this.readAt(comp, h.compLen, offset + CHUNK_HEADER_BYTES))
      throw changed("the trace ends inside a chunk");
    if (crc32(comp) !== h.crc) throw changed("chunk checksum mismatch");
    let raw: Uint8Array;
    try {
      raw = inflatePayload(comp, h);
    } catch {
      throw corrupt("chunk does not decompress");
    }
    const msg = decoder.decode(raw, h.count);
    if (msg) throw corrupt(msg);
    const c = decoder.chunk;
    c.offset = offset;
    c.firstIndex = h.firstIndex;
    return c;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Fills into[0, len) from file position `pos`; false at end of file. */
  private readAt(into: Uint8Array, len: number, pos: number): boolean {
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, into, got, len - got, pos + got);
      if (n === 0) return false;
      got += n;
    }
    return true;
  }
}
