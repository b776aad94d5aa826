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
  /**
   * Recency order of each set: a circular doubly linked list over the set's
   * entries (`prev`/`next`), `head` its most recently used entry, so `prev[head]`
   * is the least recently used. A hit moves its entry to the head; a miss reuses
   * the LRU entry, which on a ring is only a step of `head` back.
   */
  readonly prev: Int32Array;
  readonly next: Int32Array;
  readonly head: Int32Array;
  /**
   * Lookup accelerator, not part of the modelled hardware: the entry that last
   * held a page, by a hash of (asid, vpn). Always verified against `tags`.
   */
  readonly hint: Int32Array;
  readonly hintMask: number;
  /**
   * Lookup accelerator too: how many valid entries hold a tag whose hint slot is
   * this one, and each entry's hint slot. A miss whose slot count is 0 needs no
   * set scan — on a sequential stream, where nearly every access misses, the
   * scan was half the access path's time.
   */
  readonly hintCount: Int32Array;
  readonly entryHint: Int32Array;
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
    this.prev = new Int32Array(cfg.entries);
    this.next = new Int32Array(cfg.entries);
    this.head = new Int32Array(sets);
    const ways = cfg.ways;
    for (let st = 0; st < sets; st++) {
      const b = st * ways;
      this.head[st] = b;
      for (let w = 0; w < ways; w++) {
        this.prev[b + w] = b + ((w + ways - 1) % ways);
        this.next[b + w] = b + ((w + 1) % ways);
      }
    }
    let hs = 1;
    while (hs < cfg.entries * 4) hs *= 2;
    this.hint = new Int32Array(hs);
    this.hintMask = hs - 1;
    this.hintCount = new Int32Array(hs);
    this.entryHint = new Int32Array(cfg.entries);
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
        this.hintCount[this.entryHint[b + w]]--;
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
      this.hintCount.fill(0);
      return n;
    }
    const lo = asid * ASID_TAG_SCALE;
    const hi = lo + ASID_TAG_SCALE;
    for (let i = 0; i < t.length; i++) {
      if (t[i] >= lo && t[i] < hi) {
        this.hintCount[this.entryHint[i]]--;
        t[i] = -1;
        this.toBack(i);
        n++;
      }
    }
    return n;
  }

  /** Makes entry `e` its set's least recently used. */
  private toBack(e: number): void {
    const st = Math.floor(e / this.ways);
    const h = this.head[st];
    if (this.prev[h] === e) return;
    if (h === e) {
      this.head[st] = this.next[e]; // a step of the ring: the old head is now its last
      return;
    }
    const p = this.prev[e];
    const n = this.next[e];
    this.next[p] = n;
    this.prev[n] = p;
    const last = this.prev[h];
    this.next[last] = e;
    this.prev[e] = last;
    this.next[e] = h;
    this.prev[h] = e;
  }

  /** Valid entries of one set, most recently used first (tests). */
  setOrder(asid: number, vpn: number): number[] {
    const st = this.setBase(asid, vpn) / this.ways;
    const out: number[] = [];
    for (let k = 0, e = this.head[st]; k < this.ways; k++, e = this.next[e])
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
