/**
 * The chunks that arrive while the reader waits for the rest of an incomplete
 * snapshot. They are kept unjoined (joining the carried bytes with every chunk
 * would copy them again each time, quadratic in the snapshot's size) until the
 * next snapshot's `"start_time"` key shows the snapshot is complete.
 */
import { START_TIME } from "./compact-snapshot.js";

export class PendingChunks {
  /** Whether the reader is waiting (chunks go here). */
  active = false;
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The last bytes before the newest chunk, to find a key cut between chunks. */
  private tail: Buffer = Buffer.alloc(0);

  /** Starts waiting; `carry` is the incomplete snapshot's bytes so far. */
  start(carry: Buffer): void {
    this.active = true;
    this.tail = Buffer.from(carry.subarray(Math.max(0, carry.length - START_TIME.length + 1)));
  }

  /**
   * Adds a chunk. Returns all chunks joined once the next snapshot starts in them,
   * at the end of the input, or at `limit` bytes (with the carried ones); else null,
   * and the chunk is copied (the caller may reuse its buffer).
   */
  add(chunk: Buffer, carried: number, final: boolean, limit: number): Buffer | null {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (!this.sawStartTime(chunk) && !final && carried + this.bytes < limit) {
      this.chunks[this.chunks.length - 1] = Buffer.from(chunk);
      return null;
    }
    const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    this.stop();
    return joined;
  }

  /** Stops waiting; returns the chunks collected. */
  stop(): Buffer[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    this.active = false;
    return chunks;
  }

  /** Whether `"start_time"` appears in the chunk or across its boundary with the data before it. */
  private sawStartTime(chunk: Buffer): boolean {
    const k = START_TIME.length - 1;
    const seam = Buffer.concat([this.tail, chunk.subarray(0, k)]);
    const seen = seam.includes(START_TIME) || chunk.includes(START_TIME);
    // a copy: the chunk's buffer may be reused once feed() returns
    this.tail = Buffer.from(
      chunk.length >= k ? chunk.subarray(chunk.length - k) : seam.subarray(Math.max(0, seam.length - k)),
    );
    return seen;
  }
}
