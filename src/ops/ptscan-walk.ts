/**
 * The page-table walk of the `ptscan` operation set (docs/ptscan.md): top-down over
 * one address space's page tables, test-and-clear the Accessed bit of each entry of
 * a table page, descend only under young entries, within a budget of entries per
 * call (one call per sampling interval). What it finds is kept per 2 MiB span (one
 * PMD entry) until that entry is visited again: the last thing known about it.
 */
import type { AddressSpace } from "../mm/address-space.js";
import type { CostAccount } from "../mm/cost-model.js";
import { FRAME_IDLE, FRAME_LRU, FRAME_YOUNG } from "../mm/frames.js";
import type { Machine } from "../mm/machine.js";
import { pmdHead } from "../mm/page-idle.js";
import { PMD_SPAN_PAGES, PUD_SLOT, UpperAccessedBits } from "../mm/upper-accessed.js";
import { PTE_ACCESSED, PTE_PRESENT, type Vma } from "../mm/vma.js";

/** Entries per table page; the PGD's user half has 256 (47-bit user space). */
const TABLE = 512;
const PGD_USER_ENTRIES = 256;
/** Upper-level work items are level * LEVEL + index: a PUD table (index: its PGD entry) or a PMD table (its 1 GiB block). */
const LEVEL = 2 ** 40;
const PUD_TABLE = 1;
const PMD_TABLE = 2;

/**
 * What the last visits of a 2 MiB span found: "pmd", its PMD entry young once (PTEs
 * not scanned); "pmd2", young at two passes in a row (its PTE scan is queued);
 * "whole", a young THP leaf or at least half its pages young at the last PTE scan; or runs
 * [s0, e0, s1, e1, ...] of the page offsets found young by that scan. A "pmd" span is
 * not reported yet (youngExtents): a cold span touched once would only cost a region.
 */
export type SpanState = "pmd" | "pmd2" | "whole" | Int32Array;

/**
 * A span already scanned at PTE level is scanned again at every RESCAN_EVERY-th pass
 * that finds its PMD young (in between, its PMD bit says it is still in use), and a
 * span whose pages were all young at every RESCAN_WHOLE_EVERY-th: the pages of a hot
 * 2 MiB span are all young at every scan, and clearing them each pass is where the
 * cost would go.
 */
export const RESCAN_EVERY = 4;
export const RESCAN_WHOLE_EVERY = 16;
/**
 * A span found whole again at its rescan waits twice as many young passes for the next
 * one, up to this many: a hot span that stays hot costs 512 clears ever more rarely, and
 * the per-region samples (ptscan.ts) still measure how much of it is used.
 */
export const RESCAN_WHOLE_MAX = 256;
/**
 * Passes start every `passPeriod` sampling intervals: 1 while the reported spans change,
 * doubled (up to PASS_PERIOD_MAX) after each pass whose upper walk found them nearly unchanged (at
 * most STABLE_CHANGE of their young pages added or dropped). A stable tree is re-tested every 40 ms
 * instead of every 5 ms; a change is seen within one period and walked every interval
 * again (Telescope's flexible profiling window, docs/ptscan.md).
 */
export const PASS_PERIOD_MAX = 8;
export const STABLE_CHANGE = 0.1;

export interface WalkStats {
  /** Entries read this call (the budget's unit). */
  entries: number;
  /** Set Accessed bits cleared this call. */
  clears: number;
  /** Passes (walks from the PGD) started so far. */
  passes: number;
  /** Sampling intervals between pass starts now (adaptive, 1..PASS_PERIOD_MAX). */
  passPeriod: number;
  /** Simulated ns charged for this call. */
  ns: number;
  /** Entries read, bits cleared and ns charged over all calls. */
  totalEntries: number;
  totalClears: number;
  totalNs: number;
}

export class PageTableWalk {
  /**
   * Young 2 MiB spans by global PMD index (vpn / 512). "whole": the PMD entry was
   * young (a THP leaf, or its PTE table not scanned yet); runs: [s0, e0, s1, e1, ...]
   * page offsets inside the span found young by the last scan of its PTE table.
   */
  readonly young = new Map<number, SpanState>();
  /** Young visits of a PTE-scanned span since its last PTE scan. */
  private readonly sinceScan = new Map<number, number>();
  /** Young passes a whole span waits for its next PTE scan (doubles while it stays whole). */
  private readonly wholeWait = new Map<number, number>();
  readonly stats: WalkStats = {
    entries: 0,
    clears: 0,
    passes: 0,
    passPeriod: 1,
    ns: 0,
    totalEntries: 0,
    totalClears: 0,
    totalNs: 0,
  };
  /** Calls since the current pass started; young pages per span when the last pass's upper walk ended. */
  private sinceStart = Infinity;
  private weightLastPass = new Map<number, number>();
  /** Upper-level tables of the current pass, in visit order (breadth first). */
  private upperQueue: number[] = [];
  private upperHead = 0;
  /** PTE tables to scan, with whatever budget the upper levels leave (a set: no duplicates). */
  private readonly pteQueue = new Set<number>();
  private readonly pageYoung = new Uint8Array(PMD_SPAN_PAGES);

  constructor(
    private readonly m: Machine,
    private readonly as: AddressSpace,
    private readonly account: CostAccount,
  ) {}

  /**
   * One sampling interval's work: continue (or start, at most once per call) a pass
   * over the upper levels, then scan queued PTE tables, until `budget` entries are
   * read. A table page is read whole, so a call reads at most `budget` + 511 entries
   * and stops before a table it cannot start.
   */
  step(budget: number): void {
    const st = this.stats;
    st.entries = 0;
    st.clears = 0;
    this.sinceStart++;
    while (st.entries + TABLE <= budget) {
      if (this.upperHead < this.upperQueue.length) {
        this.visit(this.upperQueue[this.upperHead++]);
        if (this.upperHead === this.upperQueue.length) this.adaptPassPeriod();
        continue;
      }
      if (this.sinceStart >= st.passPeriod) {
        // A new pass, once per call at most: a second one now would test bits cleared moments ago.
        this.sinceStart = 0;
        st.passes++;
        this.upperQueue = [];
        this.upperHead = 0;
        this.visitPgd();
        if (this.upperQueue.length === 0) this.adaptPassPeriod();
        continue;
      }
      const next = this.pteQueue.values().next();
      if (next.done === true) break;
      this.pteQueue.delete(next.value);
      this.scanPtes(next.value);
    }
    const c = this.m.costs;
    st.ns = st.entries * c.ptEntryScanNs + st.clears * c.ptEntryClearNs;
    st.totalEntries += st.entries;
    st.totalClears += st.clears;
    st.totalNs += st.ns;
    this.m.charge(this.account, st.ns);
    this.account.checks += st.entries;
    this.account.mkolds += st.clears;
  }

  /**
   * Something changed that the walk has not seen yet (the ops' samples found the young
   * regions' pages much less used): back to a pass every interval, starting with the next.
   */
  hurry(): void {
    this.stats.passPeriod = 1;
    this.sinceStart = Infinity;
  }

  /**
   * Longer periods while the young pages stay the same from pass to pass, 1 after a
   * change. Spans weigh by their young pages (a whole span 512, a span not PTE-scanned
   * yet 1), so the few cold pages that come and go do not count as much as a hot set that
   * moves.
   */
  private adaptPassPeriod(): void {
    const now = new Map<number, number>();
    let total = 0;
    for (const [k, v] of this.young) {
      const w = spanWeight(v);
      if (w === 0) continue;
      now.set(k, w);
      total += w;
    }
    let prevTotal = 0;
    let changed = 0;
    for (const [k, w] of this.weightLastPass) {
      prevTotal += w;
      changed += Math.abs(w - (now.get(k) ?? 0));
    }
    for (const [k, w] of now) if (!this.weightLastPass.has(k)) changed += w;
    const stable = changed <= STABLE_CHANGE * Math.max(total, prevTotal);
    const st = this.stats;
    st.passPeriod = stable ? Math.min(PASS_PERIOD_MAX, st.passPeriod * 2) : 1;
    this.weightLastPass = now;
  }

  private get upper(): UpperAccessedBits {
    return this.as.upper;
  }

  private visit(item: number): void {
    const level = Math.floor(item / LEVEL);
    const idx = item - level * LEVEL;
    if (level === PUD_TABLE) this.visitPud(idx);
    else this.visitPmd(idx);
  }

  /** The PGD's user entries: young ones are walked below, the others' spans forgotten. */
  private visitPgd(): void {
    const u = this.upper;
    this.stats.entries += PGD_USER_ENTRIES;
    for (let g = 0; g < PGD_USER_ENTRIES; g++) {
      if (u.blocksUnderPgd[g] === 0) continue;
      if (u.pgd[g] !== 0) {
        u.pgd[g] = 0;
        this.stats.clears++;
        this.upperQueue.push(PUD_TABLE * LEVEL + g);
      } else {
        this.forget(g * TABLE * TABLE * TABLE, (g + 1) * TABLE * TABLE * TABLE);
      }
    }
  }

  /** The PUD table under PGD entry `g`: one entry per 1 GiB block. */
  private visitPud(g: number): void {
    const u = this.upper;
    this.stats.entries += TABLE;
    for (let k = g * TABLE; k < (g + 1) * TABLE; k++) {
      const bits = u.blocks.get(k);
      if (bits === undefined) continue;
      if (bits[PUD_SLOT] !== 0) {
        bits[PUD_SLOT] = 0;
        this.stats.clears++;
        this.upperQueue.push(PMD_TABLE * LEVEL + k);
      } else {
        this.forget(k * TABLE * TABLE, (k + 1) * TABLE * TABLE);
      }
    }
  }

  /**
   * The PMD table of block `k`. A young entry found young at its previous visit too is
   * queued for a PTE scan (two young visits in a row: a cold span touched once is not
   * worth 512 entries); a young THP leaf is a whole young span and its bit is cleared.
   */
  private visitPmd(k: number): void {
    const bits = this.upper.blocks.get(k);
    if (bits === undefined) return; // unmapped since it was queued
    this.stats.entries += TABLE;
    for (let p = 0; p < TABLE; p++) {
      const key = k * TABLE + p;
      if (bits[p] === 0) {
        this.drop(key);
        continue;
      }
      bits[p] = 0;
      this.stats.clears++;
      const st = this.young.get(key);
      if (this.clearThpLeaf(key)) {
        this.young.set(key, "whole");
      } else if (st === undefined) {
        this.young.set(key, "pmd");
      } else if (st === "pmd" || st === "pmd2") {
        this.young.set(key, "pmd2");
        this.pteQueue.add(key);
      } else {
        const n = (this.sinceScan.get(key) ?? 0) + 1;
        this.sinceScan.set(key, n);
        const wait = st === "whole" ? (this.wholeWait.get(key) ?? RESCAN_WHOLE_EVERY) : RESCAN_EVERY;
        if (n >= wait) this.pteQueue.add(key);
      }
    }
  }

  /** Drops what is known about the spans in pages [a, b) (an upper entry found old). */
  private forget(a: number, b: number): void {
    const k0 = a / PMD_SPAN_PAGES;
    const k1 = b / PMD_SPAN_PAGES;
    if (k1 - k0 <= this.young.size) {
      for (let k = k0; k < k1; k++) this.drop(k);
    } else {
      for (const k of this.young.keys()) if (k >= k0 && k < k1) this.drop(k);
    }
  }

  private drop(key: number): void {
    this.young.delete(key);
    this.sinceScan.delete(key);
    this.wholeWait.delete(key);
  }

  /** If span `key` is a PMD-mapped huge page: clear its young bit (all its PTE flags), true. */
  private clearThpLeaf(key: number): boolean {
    const vpn = key * PMD_SPAN_PAGES;
    const v = this.as.findVma(vpn);
    if (v === null || pmdHead(this.m, v, vpn - v.startPage) < 0) return false;
    const c = v.chunkOf(vpn)!;
    const ft = this.m.frames.flags;
    let young = false;
    for (let i = vpn - c.startPage; i < vpn - c.startPage + PMD_SPAN_PAGES; i++) {
      if (c.flags[i] & PTE_ACCESSED) {
        c.flags[i] &= ~PTE_ACCESSED;
        young = true;
      }
    }
    if (young)
      for (let i = vpn - c.startPage; i < vpn - c.startPage + PMD_SPAN_PAGES; i++)
        referenced(ft, c.frames[i]);
    return true;
  }

  /** Scans the PTE table of span `key`: test-and-clear each present page's bit; keeps the young runs. */
  private scanPtes(key: number): void {
    if (!this.young.has(key)) return; // forgotten since it was queued
    this.stats.entries += TABLE;
    const a = key * PMD_SPAN_PAGES;
    const b = a + PMD_SPAN_PAGES;
    const py = this.pageYoung;
    py.fill(0);
    const ft = this.m.frames.flags;
    let any = false;
    for (const v of vmasIn(this.as, a, b)) {
      for (const c of v.chunksIn(Math.max(a, v.startPage), Math.min(b, v.endPage))) {
        const from = Math.max(a, c.startPage);
        const to = Math.min(b, c.endPage);
        const flags = c.flags;
        for (let vpn = from; vpn < to; vpn++) {
          const i = vpn - c.startPage;
          const f = flags[i];
          if ((f & (PTE_PRESENT | PTE_ACCESSED)) !== (PTE_PRESENT | PTE_ACCESSED)) continue;
          flags[i] = f & ~PTE_ACCESSED;
          this.stats.clears++;
          referenced(ft, c.frames[i]);
          py[vpn - a] = 1;
          any = true;
        }
      }
    }
    this.sinceScan.set(key, 0);
    if (!any) {
      this.drop(key);
      return;
    }
    const runs: number[] = [];
    for (let i = 0; i < PMD_SPAN_PAGES; i++) {
      if (py[i] === 0) continue;
      let j = i + 1;
      while (j < PMD_SPAN_PAGES && py[j] !== 0) j++;
      runs.push(i, j);
      i = j;
    }
    // Mostly young: the span is in use as a whole (runs with holes would cost regions, not add accuracy).
    let n = 0;
    for (let i = 0; i < runs.length; i += 2) n += runs[i + 1] - runs[i];
    const whole = n * 2 >= PMD_SPAN_PAGES;
    if (whole && this.young.get(key) === "whole") {
      this.wholeWait.set(
        key,
        Math.min(RESCAN_WHOLE_MAX, 2 * (this.wholeWait.get(key) ?? RESCAN_WHOLE_EVERY)),
      );
    } else {
      this.wholeWait.delete(key);
    }
    this.young.set(key, whole ? "whole" : Int32Array.from(runs));
  }
}

/** Young pages a span stands for: 512 when whole, its runs' pages, 1 when its PTEs are not scanned yet. */
function spanWeight(v: SpanState): number {
  if (v === "pmd") return 0;
  if (v === "pmd2") return 1;
  if (v === "whole") return PMD_SPAN_PAGES;
  let n = 0;
  for (let i = 0; i < v.length; i += 2) n += v[i + 1] - v[i];
  return n;
}

/**
 * A young bit the walk cleared was a reference: PG_young keeps it for reclaim (as
 * DAMON's mkold does) and the page is no longer idle (as folio_referenced does), so a
 * young check of the page (the ops' per-region samples) still sees the access.
 */
function referenced(ft: Uint8Array, pfn: number): void {
  if (ft[pfn] & FRAME_LRU) ft[pfn] = (ft[pfn] | FRAME_YOUNG) & ~FRAME_IDLE;
}

/** The VMAs of `as` overlapping pages [a, b), in address order. */
function vmasIn(as: AddressSpace, a: number, b: number): Vma[] {
  const vs = as.vmas;
  let lo = 0;
  let hi = vs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vs[mid].endPage <= a) lo = mid + 1;
    else hi = mid;
  }
  const out: Vma[] = [];
  for (let i = lo; i < vs.length && vs[i].startPage < b; i++) out.push(vs[i]);
  return out;
}

/**
 * The young extents as sorted, coalesced byte ranges [s0, e0, s1, e1, ...], each
 * aligned outward to `align`. "whole" spans give 2 MiB, runs their pages.
 */
export function youngExtents(
  young: ReadonlyMap<number, SpanState>,
  pageSize: number,
  align: number,
): number[] {
  const keys = [...young.keys()].sort((x, y) => x - y);
  const out: number[] = [];
  const push = (s: number, e: number) => {
    const as = Math.floor(s / align) * align;
    const ae = Math.ceil(e / align) * align;
    const n = out.length;
    if (n > 0 && out[n - 1] >= as) out[n - 1] = Math.max(out[n - 1], ae);
    else out.push(as, ae);
  };
  for (const k of keys) {
    const st = young.get(k)!;
    const base = k * PMD_SPAN_PAGES * pageSize;
    if (st === "pmd") continue;
    if (typeof st === "string") push(base, base + PMD_SPAN_PAGES * pageSize);
    else for (let i = 0; i < st.length; i += 2) push(base + st[i] * pageSize, base + st[i + 1] * pageSize);
  }
  return out;
}
