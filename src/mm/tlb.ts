/**
 * One CPU's TLB: set-associative, tagged with the address space (PCID-like, so
 * switching threads needs no flush), LRU within a set. The access path in
 * machine.ts inlines the lookup over these arrays; this class owns the layout,
 * the flushes and a slow lookup for tests.
 */

/** Tags are `asid * ASID_TAG_SCALE + vpn`: vpn < 2^36 for 48-bit addresses, asid < 2^16. */
export const ASID_TAG_SCALE = 2 ** 36;

export interface TlbConfig {
  /** Number of entries (a multiple of `ways`; entries/ways must be a power of two). */
  entries: number;
  /** Associativity. */
  ways: number;
}

/** A modern x86 second-level TLB: 1536 entries, 12-way (6 MiB of 4 KiB pages). */
export const DEFAULT_TLB: Readonly<TlbConfig> = Object.freeze({ entries: 1536, ways: 12 });

export class Tlb {
  readonly ways: number;
  readonly setMask: number;
  /** Tag per entry; -1 = invalid. */
  readonly tags: Float64Array;
  /** Last-use stamp per entry (LRU victim = smallest). */
  readonly stamps: Float64Array;
  /**
   * Lookup accelerator, not part of the modelled hardware: the entry that last
   * held a page, by a hash of (asid, vpn). Always verified against `tags`.
   */
  readonly hint: Int32Array;
  readonly hintMask: number;
  clock = 0;
  /** The tag used by the previous access on this CPU: a hit that needs no set scan. -1 = none. */
  lastTag = -1;
  hits = 0;
  misses = 0;

  constructor(cfg: TlbConfig) {
    const sets = cfg.entries / cfg.ways;
    if (!Number.isInteger(sets) || sets < 1 || (sets & (sets - 1)) !== 0) {
      throw new RangeError(`TLB: entries/ways must be a power of two, got ${cfg.entries}/${cfg.ways}`);
    }
    this.ways = cfg.ways;
    this.setMask = sets - 1;
    this.tags = new Float64Array(cfg.entries).fill(-1);
    this.stamps = new Float64Array(cfg.entries);
    let hs = 1;
    while (hs < cfg.entries * 4) hs *= 2;
    this.hint = new Int32Array(hs);
    this.hintMask = hs - 1;
  }

  /** First entry index of the set holding (asid, vpn). Same hash as the inlined access path. */
  setBase(asid: number, vpn: number): number {
    return (((vpn >>> 0) ^ Math.imul(asid, 0x9e3779b1)) & this.setMask) * this.ways;
  }

  /** Whether the translation is cached (no side effects). */
  contains(asid: number, vpn: number): boolean {
    const tag = asid * ASID_TAG_SCALE + vpn;
    const b = this.setBase(asid, vpn);
    for (let w = 0; w < this.ways; w++) if (this.tags[b + w] === tag) return true;
    return false;
  }

  /** Invalidates one translation; returns whether it was cached. */
  flushPage(asid: number, vpn: number): boolean {
    const tag = asid * ASID_TAG_SCALE + vpn;
    if (this.lastTag === tag) this.lastTag = -1;
    const b = this.setBase(asid, vpn);
    for (let w = 0; w < this.ways; w++) {
      if (this.tags[b + w] === tag) {
        this.tags[b + w] = -1;
        this.stamps[b + w] = 0; // an invalid entry is the first victim
        return true;
      }
    }
    return false;
  }

  /** Invalidates every translation of one address space, or all when asid < 0. */
  flushAll(asid = -1): void {
    this.lastTag = -1;
    if (asid < 0) {
      this.tags.fill(-1);
      this.stamps.fill(0);
      return;
    }
    const lo = asid * ASID_TAG_SCALE;
    const hi = lo + ASID_TAG_SCALE;
    const t = this.tags;
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= lo && t[i] < hi) {
        t[i] = -1;
        this.stamps[i] = 0;
      }
    }
  }

  /** Number of valid entries. */
  get occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] >= 0) n++;
    return n;
  }
}
