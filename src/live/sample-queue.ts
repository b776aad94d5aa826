/**
 * Fault samples waiting to be fed to the kdamond, oldest first, in a growable
 * ring of typed arrays (no object per sample). The live driver takes them in
 * time order, one sample interval at a time.
 */
/** Parsed fault samples, oldest first. */
export class SampleQueue {
  time = new Float64Array(4096);
  addr = new Float64Array(4096);
  tid = new Int32Array(4096);
  cpu = new Int32Array(4096);
  /** Caller's tag per sample (live: the mapping it fell in, -1 for none). */
  tag = new Int32Array(4096);
  head = 0;
  count = 0;

  push(timeNs: number, addr: number, tid: number, cpu: number, tag = -1): void {
    if (this.count === this.time.length) this.grow();
    const i = (this.head + this.count) % this.time.length;
    this.time[i] = timeNs;
    this.addr[i] = addr;
    this.tid[i] = tid;
    this.cpu[i] = cpu;
    this.tag[i] = tag;
    this.count++;
  }

  /** Time of the oldest sample (Infinity when empty). */
  peekTime(): number {
    return this.count === 0 ? Infinity : this.time[this.head];
  }

  /** Index of the oldest sample; call `pop` after reading it. */
  get front(): number {
    return this.head;
  }

  pop(): void {
    this.head = (this.head + 1) % this.time.length;
    this.count--;
  }

  private grow(): void {
    const n = this.time.length;
    // Unroll the ring into arrays twice the size.
    const unroll = <T extends Float64Array | Int32Array>(a: T, make: (len: number) => T): T => {
      const b = make(n * 2);
      for (let k = 0; k < n; k++) b[k] = a[(this.head + k) % n];
      return b;
    };
    this.time = unroll(this.time, (l) => new Float64Array(l));
    this.addr = unroll(this.addr, (l) => new Float64Array(l));
    this.tid = unroll(this.tid, (l) => new Int32Array(l));
    this.cpu = unroll(this.cpu, (l) => new Int32Array(l));
    this.tag = unroll(this.tag, (l) => new Int32Array(l));
    this.head = 0;
  }
}
