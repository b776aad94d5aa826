/**
 * A buffer reused from call to call (grown as needed) for bytes the record reader
 * joins or keeps between chunks: a fresh buffer per chunk (a snapshot's worth,
 * 0.5 MB for 1,000 regions) cost more in page faults than the copying itself.
 */
export class ReusedBytes {
  private space = Buffer.alloc(0);

  /** `a`'s bytes followed by `b`'s, in this buffer; what it held before is overwritten. */
  set(a: Uint8Array, b?: Uint8Array): Buffer {
    const n = a.length + (b?.length ?? 0);
    if (this.space.length < n) this.space = Buffer.allocUnsafe(Math.max(n, 2 * this.space.length));
    this.space.set(a, 0);
    if (b) this.space.set(b, a.length);
    return this.space.subarray(0, n);
  }
}
