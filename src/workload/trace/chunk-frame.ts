/**
 * Chunk framing (format.md): parsing a chunk header and turning a verified payload
 * back into its raw bytes, shared by the streaming reader (reader.ts) and the
 * random-access one (chunk-file.ts); and the reverse, a chunk's header and
 * compressed payload, for the writer and for adding an index (add-index.ts).
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants as zc,
  crc32,
  deflateRawSync,
  inflateRawSync,
} from "node:zlib";
import {
  CHUNK_ACCESSES,
  CHUNK_HEADER_BYTES,
  CHUNK_MAGIC,
  CODEC_BROTLI,
  CODEC_DEFLATE_RAW,
  CODEC_NONE,
  MAX_CHUNK_ACCESSES,
  MAX_CHUNK_BYTES,
  type TraceCodec,
} from "./format.js";

export interface ChunkHeader {
  type: number;
  codec: number;
  count: number;
  rawLen: number;
  compLen: number;
  crc: number;
  firstIndex: number;
}

/** The chunk header at b[s..s+36), or undefined when those bytes are not a valid one. */
export function parseChunkHeader(b: Uint8Array, s: number): ChunkHeader | undefined {
  const dv = new DataView(b.buffer, b.byteOffset + s, CHUNK_HEADER_BYTES);
  if (dv.getUint32(0, true) !== CHUNK_MAGIC) return undefined;
  if (crc32(b.subarray(s, s + 32)) !== dv.getUint32(32, true)) return undefined;
  const h = {
    type: dv.getUint8(4),
    codec: dv.getUint8(5),
    count: dv.getUint32(8, true),
    rawLen: dv.getUint32(12, true),
    compLen: dv.getUint32(16, true),
    crc: dv.getUint32(20, true),
    firstIndex: dv.getFloat64(24, true),
  };
  if (h.codec !== CODEC_NONE && h.codec !== CODEC_DEFLATE_RAW && h.codec !== CODEC_BROTLI) return undefined;
  if (h.compLen > MAX_CHUNK_BYTES || h.rawLen > MAX_CHUNK_BYTES) return undefined;
  if (h.type === CHUNK_ACCESSES && h.count > MAX_CHUNK_ACCESSES) return undefined;
  return h;
}

/** The raw payload of a chunk whose checksum held; throws when it does not decompress to rawLen bytes. */
export function inflatePayload(comp: Uint8Array, h: ChunkHeader): Uint8Array {
  // The header's raw length bounds the inflation itself (maxOutputLength), so a
  // small chunk that inflates to gigabytes stops at rawLen (<= MAX_CHUNK_BYTES).
  const zopts = { chunkSize: Math.max(h.rawLen, 64), maxOutputLength: Math.max(h.rawLen, 1) };
  const raw =
    h.codec === CODEC_NONE
      ? comp
      : h.codec === CODEC_BROTLI
        ? brotliDecompressSync(comp, zopts)
        : inflateRawSync(comp, zopts);
  if (raw.length !== h.rawLen) throw new Error("length mismatch");
  return raw;
}

/** A chunk's header and compressed payload (docs/trace-format.md, "Chunks"). */
export function frameChunk(
  type: number,
  count: number,
  raw: Uint8Array,
  firstIndex: number,
  codec: TraceCodec,
  level: number,
): [Buffer, Buffer] {
  const comp =
    codec === "brotli"
      ? brotliCompressSync(raw, {
          params: {
            [zc.BROTLI_PARAM_QUALITY]: level,
            [zc.BROTLI_PARAM_LGWIN]: 22,
            [zc.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        })
      : deflateRawSync(raw, { level: level });
  const h = Buffer.alloc(CHUNK_HEADER_BYTES);
  h.writeUInt32LE(CHUNK_MAGIC, 0);
  h.writeUInt8(type, 4);
  h.writeUInt8(codec === "brotli" ? CODEC_BROTLI : CODEC_DEFLATE_RAW, 5);
  h.writeUInt32LE(count, 8);
  h.writeUInt32LE(raw.length, 12);
  h.writeUInt32LE(comp.length, 16);
  h.writeUInt32LE(crc32(comp), 20);
  h.writeDoubleLE(firstIndex, 24);
  h.writeUInt32LE(crc32(h.subarray(0, 32)), 32);
  return [h, comp];
}
