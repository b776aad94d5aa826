/**
 * The Accessed-bit primitives DAMON's operation sets call (the analogue of the kernel's
 * mm/damon/ops-common.c over page_idle): PTE lookup, mkold and young checks of virtual and
 * physical addresses (PMD-mapped huge pages included), and the reverse map.
 */
import type { Machine } from "./machine.js";
import { CostAccount } from "./cost-model.js";
import { FRAME_ALLOCATED, FRAME_IDLE, FRAME_LRU, FRAME_THP, FRAME_YOUNG } from "./frames.js";
import { PAGE_SIZE, PTE_ACCESSED, PTE_PRESENT, THP_PAGES, type PageChunk, type Vma } from "./vma.js";
import { flushTlbPage } from "./tlb-invalidate.js";

export function pte(m: Machine, pid: number, addr: number): { vma: Vma; idx: number } | null {
  const as = m.byPid.get(pid);
  if (!as) return null;
  const v = as.vmaAt(addr);
  if (!v) return null;
  const idx = Math.floor(addr / PAGE_SIZE) - v.startPage;
  if (!(v.flagAt(idx) & PTE_PRESENT)) return null;
  return { vma: v, idx };
}

/** The frame backing `vaddr` of `pid`, or -1 when not present. */
export function frameOf(m: Machine, pid: number, vaddr: number): number {
  const p = pte(m, pid, vaddr);
  return p === null ? -1 : p.vma.frameAt(p.idx);
}

/**
 * DAMON vaddr mkold (spec §5.2): test-and-clear the PTE Accessed bit (setting
 * PG_young if it was set) and set PG_idle. A page of a PMD-mapped huge page is
 * handled as the kernel's damon_pmdp_mkold does: the PMD's young bit (here: the
 * block's 512 Accessed bits) is cleared and the folio flags set for the whole
 * 2 MiB folio. No TLB flush unless `flush` — so a cached translation keeps the
 * page from being marked accessed again until it is evicted. Unmapped / non-LRU
 * pages: no-op. Charges mkoldNs.
 */
export function mkoldVaddr(
  m: Machine,
  pid: number,
  addr: number,
  acct: CostAccount = m.kdamondCost,
  flush = false,
): void {
  m.charge(acct, m.costs.mkoldNs);
  acct.mkolds++;
  const p = pte(m, pid, addr);
  if (p === null) return;
  const pfn = p.vma.frameAt(p.idx);
  mkoldMapping(m, p.vma, p.idx, pfn);
  if (flush) flushTlbPage(m, pid, addr, acct);
}

/**
 * DAMON vaddr young check (spec §5.2): accessed = PTE Accessed || !PG_idle; for
 * a PMD-mapped huge page, the PMD's young bit (any Accessed bit of the block) ||
 * the folio not idle, and `lastFolioBytes` is 2 MiB (damon_young_pmd_entry).
 * Otherwise `lastFolioBytes` is 4 KiB. Charges youngCheckNs.
 */
export function youngVaddr(
  m: Machine,
  pid: number,
  addr: number,
  acct: CostAccount = m.kdamondCost,
): boolean {
  m.charge(acct, m.costs.youngCheckNs);
  acct.checks++;
  m.lastFolioBytes = PAGE_SIZE;
  const p = pte(m, pid, addr);
  if (p === null) return false;
  const pfn = p.vma.frameAt(p.idx);
  const ff = m.frames.flags[pfn];
  if (!(ff & FRAME_LRU)) return false;
  const head = pmdHead(m, p.vma, p.idx);
  if (head >= 0) {
    m.lastFolioBytes = THP_PAGES * PAGE_SIZE;
    return pmdYoung(m, p.vma, head);
  }
  return (p.vma.flagAt(p.idx) & PTE_ACCESSED) !== 0 || (ff & FRAME_IDLE) === 0;
}

/**
 * DAMON paddr mkold (spec §5.3): not an allocated LRU frame → no-op;
 * unmapped → set PG_idle; mapped → rmap walk, clear each mapping's Accessed
 * bit (PG_young if it was set; the PMD's for a huge page), set PG_idle.
 * Charges mkoldNs (+ rmapWalkNs).
 */
export function mkoldPaddr(m: Machine, paddr: number, acct: CostAccount = m.kdamondCost): void {
  m.charge(acct, m.costs.mkoldNs);
  acct.mkolds++;
  const pfn = Math.floor(paddr / PAGE_SIZE);
  const ft = m.frames;
  if (pfn < 0 || pfn >= ft.capacity) return;
  const ff = ft.flags[pfn];
  if (!(ff & FRAME_ALLOCATED) || !(ff & FRAME_LRU)) return;
  const mp = rmap(m, pfn, acct);
  if (mp === null) {
    ft.flags[pfn] |= FRAME_IDLE;
    return;
  }
  mkoldMapping(m, mp.vma, mp.idx, pfn);
}

/**
 * DAMON paddr young (spec §5.3): unallocated / non-LRU → false; unmapped →
 * !PG_idle; mapped → any mapping's Accessed bit (the PMD's for a huge page) ||
 * !PG_idle. Sets `lastFolioBytes`: 2 MiB for a huge page whose frames are
 * physically contiguous and aligned (the same-folio cache compares aligned
 * physical addresses), else 4 KiB. Charges youngCheckNs (+ rmapWalkNs).
 */
export function youngPaddr(m: Machine, paddr: number, acct: CostAccount = m.kdamondCost): boolean {
  m.charge(acct, m.costs.youngCheckNs);
  acct.checks++;
  m.lastFolioBytes = PAGE_SIZE;
  const pfn = Math.floor(paddr / PAGE_SIZE);
  const ft = m.frames;
  if (pfn < 0 || pfn >= ft.capacity) return false;
  const ff = ft.flags[pfn];
  if (!(ff & FRAME_ALLOCATED) || !(ff & FRAME_LRU)) return false;
  if ((ff & FRAME_IDLE) === 0) return true;
  const mp = rmap(m, pfn, acct);
  if (mp === null) return false;
  const head = pmdHead(m, mp.vma, mp.idx);
  if (head >= 0) {
    if (pmdContiguous(m, mp.vma, head)) m.lastFolioBytes = THP_PAGES * PAGE_SIZE;
    return pmdYoung(m, mp.vma, head);
  }
  return (mp.vma.flagAt(mp.idx) & PTE_ACCESSED) !== 0;
}

/**
 * Index (in `v`) of the first page of the PMD-mapped huge page that page `idx`
 * belongs to, or -1 when it is not one: the 2 MiB-aligned block must lie in the
 * VMA with all 512 pages present on huge-page frames (a migrated page splits it).
 */
export function pmdHead(m: Machine, v: Vma, idx: number): number {
  const ft = m.frames;
  const vpn = v.startPage + idx;
  const c = v.chunkOf(vpn);
  if (c === null || !(ft.flags[c.frames[vpn - c.startPage]] & FRAME_THP)) return -1;
  const head = vpn - (vpn % THP_PAGES);
  // A block inside the VMA lies in one chunk (chunks are 1 GiB-aligned).
  if (head < c.startPage || head + THP_PAGES > c.endPage) return -1;
  const flags = c.flags;
  const frames = c.frames;
  for (let i = head - c.startPage; i < head - c.startPage + THP_PAGES; i++) {
    if (!(flags[i] & PTE_PRESENT) || !(ft.flags[frames[i]] & FRAME_THP)) return -1;
  }
  return head - v.startPage;
}

/** The chunk of huge page `head` (a pmdHead result) and the block's first index in it. */
function blockOf(v: Vma, head: number): { c: PageChunk; b: number } {
  const c = v.chunkOf(v.startPage + head)!;
  return { c, b: v.startPage + head - c.startPage };
}

/** The PMD's young bit (any Accessed bit of the block) or the folio not idle. */
export function pmdYoung(m: Machine, v: Vma, head: number): boolean {
  const { c, b } = blockOf(v, head);
  const flags = c.flags;
  const frames = c.frames;
  const ft = m.frames;
  for (let i = b; i < b + THP_PAGES; i++) {
    if (flags[i] & PTE_ACCESSED || !(ft.flags[frames[i]] & FRAME_IDLE)) return true;
  }
  return false;
}

/** Whether the huge page's frames are physically contiguous from a 2 MiB-aligned frame. */
export function pmdContiguous(m: Machine, v: Vma, head: number): boolean {
  const { c, b } = blockOf(v, head);
  const frames = c.frames;
  const first = frames[b];
  if (first % THP_PAGES !== 0) return false;
  for (let i = 1; i < THP_PAGES; i++) if (frames[b + i] !== first + i) return false;
  return true;
}

/**
 * The (process, virtual page address) mapping frame `pfn`, or null when the
 * frame is free or unmapped; charges one reverse-map walk to `acct`.
 */
export function rmapOf(
  m: Machine,
  pfn: number,
  acct: CostAccount = m.kdamondCost,
): { pid: number; vaddr: number } | null {
  if (pfn < 0 || pfn >= m.frames.capacity || !(m.frames.flags[pfn] & FRAME_ALLOCATED)) return null;
  const mp = rmap(m, pfn, acct);
  if (mp === null) return null;
  return {
    pid: m.spaces[m.frames.rmapAsid[pfn] - 1].pid,
    vaddr: (mp.vma.startPage + mp.idx) * PAGE_SIZE,
  };
}

/** The mapping of frame `pfn` (one per frame: no sharing yet), charging an rmap walk. */
export function rmap(m: Machine, pfn: number, acct: CostAccount): { vma: Vma; idx: number } | null {
  const a = m.frames.rmapAsid[pfn];
  if (a === 0) return null;
  m.charge(acct, m.costs.rmapWalkNs);
  acct.rmapWalks++;
  const as = m.spaces[a - 1];
  const vpn = m.frames.rmapVpn[pfn];
  const v = as.findVma(vpn);
  if (v === null || !v.hasPages) return null;
  return { vma: v, idx: vpn - v.startPage };
}

export function mkoldMapping(m: Machine, v: Vma, idx: number, pfn: number): void {
  const ft = m.frames;
  if (!(ft.flags[pfn] & FRAME_LRU)) return;
  const head = pmdHead(m, v, idx);
  if (head >= 0) {
    // damon_pmdp_mkold: one young bit for the whole folio.
    const { c, b } = blockOf(v, head);
    const flags = c.flags;
    const frames = c.frames;
    let young = false;
    for (let i = b; i < b + THP_PAGES; i++) {
      if (flags[i] & PTE_ACCESSED) {
        young = true;
        flags[i] &= ~PTE_ACCESSED;
      }
    }
    for (let i = b; i < b + THP_PAGES; i++)
      ft.flags[frames[i]] |= young ? FRAME_IDLE | FRAME_YOUNG : FRAME_IDLE;
    // The PMD is the leaf: its Accessed bit is the folio's young bit (upper-accessed.ts).
    c.pt[Math.floor((c.startPage + b) / THP_PAGES) % THP_PAGES] = 0;
    return;
  }
  const f = v.flagAt(idx);
  if (f & PTE_ACCESSED) {
    v.setFlag(idx, f & ~PTE_ACCESSED);
    ft.flags[pfn] |= FRAME_YOUNG;
  }
  ft.flags[pfn] |= FRAME_IDLE;
}

/**
 * Reclaim's reference check (folio_referenced): the mapping's Accessed bit or
 * PG_young, both cleared; a referenced page is no longer idle, so DAMON still
 * sees the access. Charges an rmap walk.
 */
export function testClearReferenced(m: Machine, pfn: number, acct: CostAccount = m.kdamondCost): boolean {
  const ft = m.frames;
  let ref = (ft.flags[pfn] & FRAME_YOUNG) !== 0;
  ft.flags[pfn] &= ~FRAME_YOUNG;
  const mp = rmap(m, pfn, acct);
  if (mp !== null && mp.vma.flagAt(mp.idx) & PTE_ACCESSED) {
    mp.vma.setFlag(mp.idx, mp.vma.flagAt(mp.idx) & ~PTE_ACCESSED);
    ref = true;
  }
  if (ref) ft.flags[pfn] &= ~FRAME_IDLE;
  return ref;
}
