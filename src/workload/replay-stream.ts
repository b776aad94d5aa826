/**
 * Replays a fixed access sequence (tests, recorded traces): the addresses and
 * write flags given, in batches, then finishes. Optionally repeats the sequence
 * until a time on the thread's CPU has passed.
 */
import type { AccessStream } from "../mm/machine.js";

export interface ReplayOptions {
  /** Keep replaying the sequence until the thread's CPU clock passes this (default: play once). */
  untilNs?: number;
}

export class ReplayStream implements AccessStream {
  finished = false;
  readonly resumeNs = 0;
  private pos = 0;
  private readonly writes: Uint8Array;
  /** Times the whole sequence was played. */
  rounds = 0;

  constructor(
    private readonly addrs: Float64Array,
    writes?: ArrayLike<number>,
    private readonly opts: ReplayOptions = {},
  ) {
    this.writes = new Uint8Array(addrs.length);
    if (writes) for (let i = 0; i < addrs.length; i++) this.writes[i] = writes[i] ? 1 : 0;
    if (addrs.length === 0) this.finished = true;
  }

  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number): number {
    if (this.finished) return 0;
    if (this.pos === this.addrs.length) {
      this.rounds++;
      if (this.opts.untilNs === undefined || nowNs >= this.opts.untilNs) {
        this.finished = true;
        return 0;
      }
      this.pos = 0;
    }
    const n = Math.min(addrs.length, this.addrs.length - this.pos);
    addrs.set(this.addrs.subarray(this.pos, this.pos + n));
    writes.set(this.writes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
}
