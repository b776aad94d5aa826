/**
 * A synchronous, streaming zlib (RFC 1950) compressor: Node's zlib has no
 * synchronous streaming API, so each chunk is compressed as raw deflate ending in
 * a sync flush (no final bit), and we add the zlib header, a final empty block and
 * the Adler-32 trailer ourselves. The result is one valid zlib stream, readable by
 * Python's zlib.decompress and so by damo.
 */
import { constants, deflateRawSync } from "node:zlib";

export class ZlibSink {
  private a = 1;
  private b = 0;
  private started = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly out: (bytes: Uint8Array) => void,
    private readonly chunkBytes = 4 << 20,
    private readonly level = 6,
  ) {}

  write(data: string | Uint8Array): void {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= this.chunkBytes) this.flushChunk();
  }

  private flushChunk(): void {
    if (!this.started) {
      this.out(Uint8Array.of(0x78, 0x9c));
      this.started = true;
    }
    if (this.pendingBytes === 0) return;
    const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.adler(buf);
    this.out(deflateRawSync(buf, { level: this.level, finishFlush: constants.Z_SYNC_FLUSH }));
  }

  /** Writes the remaining data, the final block and the checksum. */
  finish(): void {
    this.flushChunk();
    this.out(Uint8Array.of(0x03, 0x00)); // empty final fixed-Huffman block
    const sum = ((this.b << 16) | this.a) >>> 0;
    const t = Buffer.alloc(4);
    t.writeUInt32BE(sum, 0);
    this.out(t);
  }

  private adler(buf: Uint8Array): void {
    let a = this.a;
    let b = this.b;
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const end = Math.min(n, i + 5552);
      for (; i < end; i++) {
        a += buf[i];
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    this.a = a;
    this.b = b;
  }
}
