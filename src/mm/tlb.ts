/**
 * One CPU's TLB: set-associative, tagged with the address space (PCID-like, so
 * switching threads needs no flush), LRU within a set. The access path in
 * machine.ts inlines the lookup over these arrays; this class owns the layout,
 * the flushes and a slow lookup for tests.
 */
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";

/** Tags are `asid * ASID_TAG_SCALE + vpn`: vpn < 2^36 for 48-bit addresses, asid < 2^16. */
export const ASID_TAG_SCALE = 2 ** 36;

/** Per-entry slots of `Tlb.state` (stride 4; access-loop.ts uses the literals). */
const PREV = 0;
const NEXT = 1;
const HINT = 2;

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
  /**
   * Every other per-entry, per-set and per-hint value in one Int32Array, so the
   * inner loop (access-loop.ts) keeps two arrays live instead of seven: V8 holds a
   * base and a length per typed array, and with too many the loop spilled them.
   *
   * - `[4e + PREV]`, `[4e + NEXT]`: the recency order of each set, a circular doubly
   *   linked list over its entries; `[headOff + set]` is the set's most recently
   *   used entry, so prev(head) is the least recently used. A hit moves its entry
   *   to the head; a miss reuses the LRU entry, on a ring only a step of the head.
   * - `[4e + HINT]`: the state index of the hint slot of the entry's tag (of the
   *   spare slot `dummy` while the entry is invalid, so a miss that reuses it needs
   *   no validity test).
   * - `[hintOff + h]`: a lookup accelerator, not modelled hardware, one int per hash h:
   *   `count << 16 | entry`, where entry last held a page of hash h (always verified
   *   against `tags`) and count is how many valid entries hold a tag of hash h (at
   *   most `ways`: a hash fixes the set). A miss whose count is 0 needs no set scan —
   *   on a sequential stream, where nearly every access misses, the scan was half the
   *   access path's time. One int instead of two saves the inner loop two accesses.
   */
  readonly state: Int32Array;
  readonly headOff: number;
  readonly hintOff: number;
  readonly hintMask: number;
  /** The spare state slot invalid entries point their hint at (its value is never read). */
  readonly dummy: number;
  /** The tag used by the previous access on this CPU: a hit that needs no set scan. -1 = none. */
  lastTag = -1;
  hits = 0;
  misses = 0;

  constructor(cfg: TlbConfig, alloc: ArrayAlloc = PLAIN_ALLOC) {
    const sets = cfg.entries / cfg.ways;
    if (!Number.isInteger(sets) || sets < 1 || (sets & (sets - 1)) !== 0) {
      throw new RangeError(`TLB: entries/ways must be a power of two, got ${cfg.entries}/${cfg.ways}`);
    }
    // Entry indices are stored in 16 bits of a hint slot.
    if (!(cfg.entries <= 65536)) throw new RangeError(`TLB: at most 65536 entries, got ${cfg.entries}`);
    this.ways = cfg.ways;
    this.setMask = sets - 1;
    this.tags = alloc.f64(cfg.entries).fill(-1);
    let hs = 1;
    while (hs < cfg.entries * 4) hs *= 2;
    this.hintMask = hs - 1;
    this.headOff = cfg.entries * 4;
    this.hintOff = this.headOff + sets;
    this.dummy = this.hintOff + hs;
    const S = (this.state = alloc.i32(this.dummy + 1));
    const ways = cfg.ways;
    for (let st = 0; st < sets; st++) {
      const b = st * ways;
      S[this.headOff + st] = b;
      for (let w = 0; w < ways; w++) {
        S[(b + w) * 4 + PREV] = b + ((w + ways - 1) % ways);
        S[(b + w) * 4 + NEXT] = b + ((w + 1) % ways);
        S[(b + w) * 4 + HINT] = this.dummy;
      }
    }
  }

  /** Drops entry e's tag from its hint slot's count (e must hold a valid tag), as it becomes invalid. */
  private uncount(e: number): void {
    this.state[this.state[e * 4 + HINT]] -= 1 << 16;
    this.state[e * 4 + HINT] = this.dummy;
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
        this.uncount(b + w);
        this.tags[b + w] = -1;
        this.toBack(b + w); // an invalid entry is the first victim
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
      this.state.fill(0, this.hintOff, this.dummy);
      for (let e = 0; e < t.length; e++) this.state[e * 4 + HINT] = this.dummy;
      return n;
    }
    const lo = asid * ASID_TAG_SCALE;
    const hi = lo + ASID_TAG_SCALE;
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= lo && t[i] < hi) {
        this.uncount(i);
        t[i] = -1;
        this.toBack(i);
        n++;
      }
    }
    return n;
  }

  /** Makes entry `e` its set's least recently used. */
  private toBack(e: number): void {
    const S = this.state;
    const hp = this.headOff + Math.floor(e / this.ways);
    const h = S[hp];
    if (S[h * 4 + PREV] === e) return;
    if (h === e) {
      S[hp] = S[e * 4 + NEXT]; // a step of the ring: the old head is now its last
      return;
    }
    const p = S[e * 4 + PREV];
    const n = S[e * 4 + NEXT];
    S[p * 4 + NEXT] = n;
    S[n * 4 + PREV] = p;
    const last = S[h * 4 + PREV];
    S[last * 4 + NEXT] = e;
    S[e * 4 + PREV] = last;
    S[e * 4 + NEXT] = h;
    S[h * 4 + PREV] = e;
  }

  /** Valid entries of one set, most recently used first (tests). */
  setOrder(asid: number, vpn: number): number[] {
    const st = this.setBase(asid, vpn) / this.ways;
    const out: number[] = [];
    for (let k = 0, e = this.state[this.headOff + st]; k < this.ways; k++, e = this.state[e * 4 + NEXT])
      if (this.tags[e] >= 0) out.push(this.tags[e]);
    return out;
  }

  /** Number of valid entries. */
  get occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] >= 0) n++;
    return n;
  }
}
