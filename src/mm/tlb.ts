/**
 * One CPU's TLB: set-associative, tagged with the address space (PCID-like, so
 * switching threads needs no flush), LRU within a set. The access path in
 * machine.ts inlines the lookup over these arrays; this class owns the layout,
 * the flushes and a slow lookup for tests.
 */
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";

/** Tags are `asid * ASID_TAG_SCALE + vpn`: vpn < 2^36 for 48-bit addresses, asid < 2^16. */
export const ASID_TAG_SCALE = 2 ** 36;

/** Bytes of a set's recency order (`Tlb.order`): one per way, at most 16 ways. */
export const ORDER_STRIDE = 16;

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
  /**
   * Entries per set in `tags`: `ways` rounded up to even, so the WebAssembly loop
   * compares a set's tags two at a time (the pad entry stays invalid).
   */
  readonly tagStride: number;
  /** Tag per entry, set by set (`set * tagStride + way`); -1 = invalid. */
  readonly tags: Float64Array;
  /**
   * Each set's recency order, ORDER_STRIDE bytes per set: byte k is the way at
   * position k, position 0 the most recently used and position ways − 1 the least
   * (bytes past `ways` are unused). A hit moves its way to the front; a miss reuses
   * the last way and moves it to the front. Sixteen bytes are one WebAssembly
   * vector: the loop finds a way's position with one compare and reorders the set
   * with one shuffle (`mtf`), with no pointer to follow: the earlier linked list
   * and hint slots made each miss a chain of dependent loads (docs/memory-model.md,
   * "ninth pass").
   */
  readonly order: Uint8Array;
  /**
   * Move-to-front shuffles: bytes [16p, 16p + 16) reorder a set's order so that
   * position p comes first and positions 0..p − 1 move one back.
   */
  readonly mtf: Uint8Array;
  /** The tag used by the previous access on this CPU: a hit that needs no set scan. -1 = none. */
  lastTag = -1;
  hits = 0;
  misses = 0;

  constructor(cfg: TlbConfig, alloc: ArrayAlloc = PLAIN_ALLOC) {
    const sets = cfg.entries / cfg.ways;
    if (!Number.isInteger(sets) || sets < 1 || (sets & (sets - 1)) !== 0) {
      throw new RangeError(`TLB: entries/ways must be a power of two, got ${cfg.entries}/${cfg.ways}`);
    }
    if (!(Number.isInteger(cfg.ways) && cfg.ways >= 1 && cfg.ways <= ORDER_STRIDE))
      throw new RangeError(`TLB: 1 to ${ORDER_STRIDE} ways, got ${cfg.ways}`);
    this.ways = cfg.ways;
    this.setMask = sets - 1;
    this.tagStride = cfg.ways + (cfg.ways & 1);
    this.tags = alloc.f64(sets * this.tagStride).fill(-1);
    this.order = alloc.u8(sets * ORDER_STRIDE);
    for (let st = 0; st < sets; st++)
      for (let k = 0; k < ORDER_STRIDE; k++) this.order[st * ORDER_STRIDE + k] = k;
    this.mtf = alloc.u8(ORDER_STRIDE * ORDER_STRIDE);
    for (let p = 0; p < ORDER_STRIDE; p++)
      for (let k = 0; k < ORDER_STRIDE; k++)
        this.mtf[p * ORDER_STRIDE + k] = k === 0 ? p : k <= p ? k - 1 : k;
  }

  /** Index of the set holding (asid, vpn). Same hash as the inlined access path. */
  setOf(asid: number, vpn: number): number {
    return ((vpn >>> 0) ^ Math.imul(asid, 0x9e3779b1)) & this.setMask;
  }

  /** Whether the translation is cached (no side effects). */
  contains(asid: number, vpn: number): boolean {
    const tag = asid * ASID_TAG_SCALE + vpn;
    const b = this.setOf(asid, vpn) * this.tagStride;
    for (let w = 0; w < this.ways; w++) if (this.tags[b + w] === tag) return true;
    return false;
  }

  /** Invalidates one translation; returns whether it was cached. */
  flushPage(asid: number, vpn: number): boolean {
    const tag = asid * ASID_TAG_SCALE + vpn;
    if (this.lastTag === tag) this.lastTag = -1;
    const set = this.setOf(asid, vpn);
    const b = set * this.tagStride;
    for (let w = 0; w < this.ways; w++) {
      if (this.tags[b + w] === tag) {
        this.tags[b + w] = -1;
        this.toBack(set, w); // an invalid entry is the first victim
        return true;
      }
    }
    return false;
  }

  /** Invalidates every translation of one address space, or all when asid < 0; returns how many were valid. */
  flushAll(asid = -1): number {
    this.lastTag = -1;
    const t = this.tags;
    let n = 0;
    if (asid < 0) {
      for (let i = 0; i < t.length; i++) if (t[i] >= 0) n++;
      t.fill(-1); // every entry invalid: the order no longer matters
      return n;
    }
    const lo = asid * ASID_TAG_SCALE;
    const hi = lo + ASID_TAG_SCALE;
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= lo && t[i] < hi) {
        t[i] = -1;
        this.toBack(Math.floor(i / this.tagStride), i % this.tagStride);
        n++;
      }
    }
    return n;
  }

  /** Makes way `w` of `set` its least recently used. */
  private toBack(set: number, w: number): void {
    const o = this.order;
    const b = set * ORDER_STRIDE;
    let p = 0;
    while (o[b + p] !== w) p++;
    for (; p < this.ways - 1; p++) o[b + p] = o[b + p + 1];
    o[b + this.ways - 1] = w;
  }

  /** Valid entries' tags of one set, most recently used first (tests). */
  setOrder(asid: number, vpn: number): number[] {
    const set = this.setOf(asid, vpn);
    const out: number[] = [];
    for (let k = 0; k < this.ways; k++) {
      const tag = this.tags[set * this.tagStride + this.order[set * ORDER_STRIDE + k]];
      if (tag >= 0) out.push(tag);
    }
    return out;
  }

  /** Number of valid entries. */
  get occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] >= 0) n++;
    return n;
  }
}
