/**
 * Streaming trace reader. Yields access chunks as typed arrays (reused between
 * chunks: no per-access allocation), memory-map events, and damage reports for
 * chunks that fail their checksum; reading continues after damage.
 * Independent of the simulator: consumers copy what they need out of each chunk.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { crc32 } from "node:zlib";
import { inflatePayload, parseChunkHeader } from "./chunk-frame.js";
import { TraceWriter } from "./writer.js";
import { FormatError, InputError } from "../../util/errors.js";
import { validateMapEvent, validateTraceFooter, validateTraceHeader } from "./validate.js";
import { AccessDecoder, type AccessChunk } from "./access-decode.js";
import { validTraceIndex, type TraceIndex } from "./access-index.js";

export type { AccessChunk };
import {
  CHUNK_ACCESSES,
  CHUNK_EVENTS,
  CHUNK_FOOTER,
  CHUNK_HEADER_BYTES,
  CHUNK_INDEX,
  FILE_MAGIC,
  FILE_PREFIX_BYTES,
  FORMAT_MAJOR,
  type MapEvent,
  type TraceDamage,
  type TraceFooter,
  type TraceHeader,
} from "./format.js";

export interface EventsItem {
  kind: "events";
  offset: number;
  events: MapEvent[];
}

export interface DamageItem {
  kind: "damage";
  damage: TraceDamage;
}

export type TraceItem = AccessChunk | EventsItem | DamageItem;

/** An access chunk whose checksum held, not inflated (TraceReader.skim). */
export interface AccessHeaderItem {
  kind: "access-header";
  offset: number;
  firstIndex: number;
  count: number;
  /** CRC-32 of the stored payload. */
  crc: number;
}

export type SkimItem = AccessHeaderItem | EventsItem | DamageItem;

/** Where the reader gets bytes: a file descriptor (file or pipe) or a buffer. */
interface ByteSource {
  read(into: Uint8Array, off: number, len: number): number;
  close(): void;
}

const READ_BLOCK = 4 << 20;
const MAGIC_BYTES = Buffer.from("DTCK", "latin1");

export class TraceReader implements Iterable<TraceItem> {
  readonly header: TraceHeader;
  /** Set once the footer chunk has been read. */
  footer: TraceFooter | undefined;
  /**
   * The access index (access-index.ts) once skim() has read it, when the trace has a
   * well-formed one; full iteration skips it.
   */
  index: TraceIndex | undefined;
  /** Every damaged stretch met so far (also yielded as `damage` items). */
  readonly damage: TraceDamage[] = [];
  private buf: Uint8Array = new Uint8Array(READ_BLOCK);
  private start = 0; // first unread byte in buf
  private end = 0; // end of valid bytes in buf
  private fileOffset = 0; // file offset of buf[0]
  private eof = false;
  private expectedIndex = 0;
  private readonly decoder = new AccessDecoder();
  private iterated = false;

  private constructor(
    private readonly src: ByteSource,
    private readonly name: string,
  ) {
    warmUp();
    this.header = this.readHeader();
  }

  /** Opens a trace file (or `-` for standard input) and reads its header. */
  static open(path: string): TraceReader {
    // A folder opens, and fails only at its first read, with no name to tell.
    if (path !== "-" && statSync(path, { throwIfNoEntry: false })?.isDirectory())
      throw new InputError("is a folder, not a trace file", path);
    const fd = path === "-" ? 0 : openSync(path, "r");
    const src: ByteSource = {
      read: (into, off, len) => {
        for (;;) {
          try {
            return readSync(fd, into, off, len, null);
          } catch (e) {
            // A non-blocking stdin pipe: wait for data rather than fail.
            if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
            throw e;
          }
        }
      },
      close: () => {
        if (fd !== 0) closeSync(fd);
      },
    };
    try {
      return new TraceReader(src, path);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Reads a trace held in memory. */
  static fromBytes(bytes: Uint8Array, name = "<buffer>"): TraceReader {
    let pos = 0;
    return new TraceReader(
      {
        read(into, off, len) {
          const n = Math.min(len, bytes.length - pos);
          into.set(bytes.subarray(pos, pos + n), off);
          pos += n;
          return n;
        },
        close() {},
      },
      name,
    );
  }

  close(): void {
    this.src.close();
  }

  /** Bytes taken from the source so far (the whole file once iteration has finished). */
  get bytesRead(): number {
    return this.fileOffset + this.end;
  }

  /** True when the trace has no footer (cut short) or the footer says it is partial. */
  get partial(): boolean {
    return this.footer === undefined || this.footer.partial;
  }

  [Symbol.iterator](): Iterator<TraceItem> {
    if (this.iterated) throw new Error("a TraceReader can be iterated once");
    this.iterated = true;
    return this.items(true) as Iterator<TraceItem>;
  }

  /**
   * Like iteration, but access chunks are only checked (header and payload
   * checksums), not inflated or decoded: what a reader that takes its summary from
   * the index needs. A chunk whose checksum holds but whose payload does not decode
   * is not found this way. Once per reader, like iteration.
   */
  *skim(): Generator<SkimItem> {
    if (this.iterated) throw new Error("a TraceReader can be iterated once");
    this.iterated = true;
    yield* this.items(false) as Generator<SkimItem>;
  }

  /** Ensures `n` bytes are buffered from `start`; false at end of input. */
  private fill(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(this.start, this.end));
      this.fileOffset += this.start;
      this.end -= this.start;
      this.start = 0;
      this.buf = bigger;
    } else if (this.start + n > this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end);
      this.fileOffset += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end - this.start < n && !this.eof) {
      const got = this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end - this.start >= n;
  }

  private readHeader(): TraceHeader {
    if (!this.fill(FILE_PREFIX_BYTES)) throw new FormatError("too short to be a damon-ts trace", this.name);
    const b = this.buf;
    const magic = Buffer.from(b.buffer, b.byteOffset, 8).toString("latin1");
    if (magic !== FILE_MAGIC)
      throw new FormatError(`not a damon-ts trace (magic ${JSON.stringify(magic)} at offset 0)`, this.name);
    const dv = new DataView(b.buffer, b.byteOffset);
    const major = dv.getUint16(8, true);
    if (major !== FORMAT_MAJOR)
      throw new FormatError(
        `trace format version ${major} is not supported (this reader reads ${FORMAT_MAJOR}.x)`,
        this.name,
      );
    const jsonLen = dv.getUint32(12, true);
    const jsonCrc = dv.getUint32(16, true);
    if (jsonLen > 1 << 24 || !this.fill(FILE_PREFIX_BYTES + jsonLen))
      throw new FormatError("trace header is truncated", `${this.name}:offset 12`);
    const json = this.buf.subarray(FILE_PREFIX_BYTES, FILE_PREFIX_BYTES + jsonLen);
    if (crc32(json) !== jsonCrc)
      throw new FormatError("trace header checksum mismatch", `${this.name}:offset ${FILE_PREFIX_BYTES}`);
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(json).toString("utf8"));
    } catch {
      throw new FormatError("trace header is not valid JSON", `${this.name}:offset ${FILE_PREFIX_BYTES}`);
    }
    this.start = FILE_PREFIX_BYTES + jsonLen;
    return validateTraceHeader(header, `${this.name}:offset ${FILE_PREFIX_BYTES}`);
  }

  private *items(decode: boolean): Generator<TraceItem | AccessHeaderItem> {
    let damageStart = -1;
    for (;;) {
      if (!this.fill(CHUNK_HEADER_BYTES)) {
        if (this.end > this.start) {
          const off = this.fileOffset + this.start;
          yield this.report(
            damageStart >= 0 ? damageStart : off,
            this.fileOffset + this.end,
            "truncated chunk at end of file",
          );
        } else if (damageStart >= 0) {
          yield this.report(damageStart, this.fileOffset + this.end, "unreadable bytes up to end of file");
        }
        return;
      }
      const off = this.fileOffset + this.start;
      const h = parseChunkHeader(this.buf, this.start);
      if (!h) {
        // Not a valid chunk header here: skip to the next chunk magic (keeping the
        // last 3 bytes when there is none, as a magic may straddle the buffer end).
        if (damageStart < 0) damageStart = off;
        const hay = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.end);
        const next = hay.indexOf(MAGIC_BYTES, this.start + 1);
        this.start = next >= 0 ? next : Math.max(this.start + 1, this.end - 3);
        continue;
      }
      // Chunks whose header tells how many accesses come before their end: an access
      // chunk (first index + count), the index and the footer (all accesses written).
      const endIndex =
        h.type === CHUNK_ACCESSES
          ? h.firstIndex + h.count
          : h.type === CHUNK_FOOTER || h.type === CHUNK_INDEX
            ? h.firstIndex
            : undefined;
      if (!this.fill(CHUNK_HEADER_BYTES + h.compLen)) {
        // Cut short by the end of the file: its header (checked) still says what is lost.
        const lost = endIndex === undefined ? undefined : endIndex - this.expectedIndex;
        yield this.report(
          damageStart >= 0 ? damageStart : off,
          this.fileOffset + this.end,
          "truncated chunk at end of file",
          lost,
        );
        if (lost !== undefined && lost > 0) this.expectedIndex = endIndex!;
        this.start = this.end;
        return;
      }
      if (damageStart >= 0) {
        const lost =
          h.type === CHUNK_ACCESSES || h.type === CHUNK_FOOTER || h.type === CHUNK_INDEX
            ? h.firstIndex - this.expectedIndex
            : undefined;
        yield this.report(damageStart, off, "damaged bytes (no valid chunk header)", lost);
        damageStart = -1;
        if (lost !== undefined && lost > 0) this.expectedIndex = h.firstIndex;
      }
      const payloadAt = this.start + CHUNK_HEADER_BYTES;
      const comp = this.buf.subarray(payloadAt, payloadAt + h.compLen);
      this.start = payloadAt + h.compLen;
      if (h.type === CHUNK_ACCESSES && h.firstIndex < this.expectedIndex) {
        // Accesses already read (a duplicated chunk) or given up as lost (chunks out of
        // order): skipped, so no access is replayed twice or counted both lost and read.
        yield this.report(
          off,
          CHUNK_HEADER_BYTES + h.compLen,
          `accesses ${h.firstIndex}..${h.firstIndex + h.count - 1} come again after access ${this.expectedIndex - 1} (a duplicated or out-of-order chunk): skipped`,
          undefined,
          true,
        );
        continue;
      }
      if ((h.type === CHUNK_FOOTER || h.type === CHUNK_INDEX) && h.firstIndex > this.expectedIndex) {
        // The last access chunks vanished (cut out): the index or footer counts them.
        yield this.missingBefore(off, h.firstIndex);
        this.expectedIndex = h.firstIndex;
      }
      if (crc32(comp) !== h.crc) {
        yield this.report(
          off,
          CHUNK_HEADER_BYTES + h.compLen,
          `chunk checksum mismatch (type ${h.type})`,
          h.type === CHUNK_ACCESSES ? h.count : undefined,
          true,
        );
        if (h.type === CHUNK_ACCESSES) this.expectedIndex = h.firstIndex + h.count;
        continue;
      }
      if (!decode && h.type === CHUNK_ACCESSES) {
        if (h.firstIndex > this.expectedIndex) yield this.missingBefore(off, h.firstIndex);
        this.expectedIndex = h.firstIndex + h.count;
        yield { kind: "access-header", offset: off, firstIndex: h.firstIndex, count: h.count, crc: h.crc };
        continue;
      }
      let raw: Uint8Array;
      try {
        raw = inflatePayload(comp, h);
      } catch {
        yield this.report(
          off,
          CHUNK_HEADER_BYTES + h.compLen,
          "chunk does not decompress",
          h.type === CHUNK_ACCESSES ? h.count : undefined,
          true,
        );
        // Its accesses are counted lost here, not again as missing before the next chunk.
        if (h.type === CHUNK_ACCESSES) this.expectedIndex = h.firstIndex + h.count;
        continue;
      }
      if (h.type === CHUNK_ACCESSES) {
        if (h.firstIndex > this.expectedIndex) yield this.missingBefore(off, h.firstIndex);
        const msg = this.decoder.decode(raw, h.count);
        if (msg) {
          yield this.report(off, CHUNK_HEADER_BYTES + h.compLen, msg, h.count, true);
          this.expectedIndex = h.firstIndex + h.count;
          continue;
        }
        const chunk = this.decoder.chunk;
        chunk.offset = off;
        chunk.firstIndex = h.firstIndex;
        this.expectedIndex = h.firstIndex + h.count;
        yield chunk;
      } else if (h.type === CHUNK_EVENTS) {
        const events = this.parseJson<unknown>(raw);
        if (!Array.isArray(events)) {
          yield this.report(
            off,
            CHUNK_HEADER_BYTES + h.compLen,
            "events chunk is not a JSON array",
            undefined,
            true,
          );
          continue;
        }
        for (let k = 0; k < events.length; k++)
          validateMapEvent(events[k], `${this.name}:offset ${off} (events chunk), event ${k}`);
        yield { kind: "events", offset: off, events: events as MapEvent[] };
      } else if (h.type === CHUNK_FOOTER) {
        const footer = this.parseJson<unknown>(raw);
        if (footer === undefined || typeof footer !== "object" || footer === null || Array.isArray(footer)) {
          yield this.report(
            off,
            CHUNK_HEADER_BYTES + h.compLen,
            "footer is not a JSON object",
            undefined,
            true,
          );
          continue;
        }
        this.footer = validateTraceFooter(footer, `${this.name}:offset ${off} (footer)`);
      } else if (h.type === CHUNK_INDEX && !decode) {
        this.index = validTraceIndex(this.parseJson<unknown>(raw));
      }
      // Unknown chunk types are skipped: later minor versions may add some.
    }
  }

  /** A chunk vanished without leaving bytes (e.g. cut out): accesses before `firstIndex` are missing. */
  private missingBefore(off: number, firstIndex: number): DamageItem {
    return this.report(
      off,
      0,
      `accesses ${this.expectedIndex}..${firstIndex - 1} are missing before this chunk`,
      firstIndex - this.expectedIndex,
      true,
    );
  }

  private report(
    offset: number,
    endOrLen: number,
    message: string,
    lost?: number,
    isLength = false,
  ): DamageItem {
    const skipped = isLength ? endOrLen : endOrLen - offset;
    const damage: TraceDamage = { offset, skippedBytes: skipped, message };
    if (lost !== undefined && lost > 0) damage.lostAccesses = lost;
    this.damage.push(damage);
    return { kind: "damage", damage };
  }

  private parseJson<T>(raw: Uint8Array): T | undefined {
    try {
      return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString("utf8")) as T;
    } catch {
      return undefined;
    }
  }
}

let warmedUp = false;

/**
 * Runs the decoder once over a small synthetic trace that takes every path (escapes,
 * far jumps, short lanes). Without this, V8 optimises the hot loops before it has seen
 * the rare paths and deoptimises them again in every chunk.
 */
function warmUp(): void {
  if (warmedUp) return;
  warmedUp = true;
  const parts: Uint8Array[] = [];
  const w = new TraceWriter(
    (b) => parts.push(b),
    { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 },
    { chunkAccesses: 64, level: 1 },
  );
  let clock = 0;
  for (let i = 0; i < 203; i++) {
    clock += i % 17 === 0 ? 1000 : i % 3;
    const addr = i % 11 === 0 ? 2 ** 40 + i * 4096 : 0x10000 + ((i * 37) % 3000) * 8;
    w.access(addr, i % 13 === 0 ? 10 : 1 << (i % 7), i & 1, i % 50 === 0 ? 2 : 1, clock);
  }
  w.finish({ partial: false });
  const bytes = Buffer.concat(parts);
  for (let k = 0; k < 3; k++) {
    const r = TraceReader.fromBytes(bytes);
    for (const _ of r);
  }
}
