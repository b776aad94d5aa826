/**
 * Allocation and reclaim: frames allocated against the node watermarks, kswapd, direct
 * reclaim, LRU aging, eviction to swap, MADV_PAGEOUT / MADV_WILLNEED, LRU moves.
 */
import type { Machine } from "./machine.js";
import { CostAccount } from "./cost-model.js";
import { FRAME_ALLOCATED, FRAME_LRU } from "./frames.js";
import { PAGE_SIZE, PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_SWAPPED } from "./vma.js";
import { pte, testClearReferenced } from "./page-idle.js";
import { flushTlbPage } from "./tlb-invalidate.js";

/** Free memory of the whole machine in permil (the watermarks' free_mem_rate). */
export function freeMemRatePermil(m: Machine): number {
  let free = 0;
  let total = 0;
  for (let n = 0; n < m.nrNodes; n++) {
    free += m.frames.nodeFreeFrames[n];
    total += m.frames.nodeTotalFrames[n];
  }
  return Math.floor((free * 1000) / total);
}

/**
 * A frame for a fault: the preferred node, else the others in order, while a
 * node stays above its low watermark; when every node is below it, kswapd
 * runs (its own CPU) and the allocation may dig to the min watermark; below
 * that, or with nothing free, the faulting task reclaims directly and stalls.
 */
export function allocFrame(m: Machine, node: number, nowNs: number): { pfn: number; stallNs: number } {
  const ft = m.frames;
  const nn = ft.nrNodes;
  for (let k = 0; k < nn; k++) {
    const id = (node + k) % nn;
    if (ft.nodeFreeFrames[id] > m.wmarkLow[id]) return { pfn: ft.allocateOn(id), stallNs: 0 };
  }
  kswapd(m, nowNs);
  for (let k = 0; k < nn; k++) {
    const id = (node + k) % nn;
    if (ft.nodeFreeFrames[id] > m.wmarkMin[id]) return { pfn: ft.allocateOn(id), stallNs: 0 };
  }
  // Direct reclaim: a batch of 32 pages (SWAP_CLUSTER_MAX), charged to the faulting task.
  const acct = new CostAccount("direct");
  m.mem.directReclaims++;
  const freed = shrinkNode(m, node, 32, acct);
  m.mem.directReclaimed += freed;
  m.mem.stallNs += acct.ns;
  return { pfn: ft.allocate(node), stallNs: acct.ns };
}

/** Background reclaim: every node below its low watermark is reclaimed up to its high watermark. */
export function kswapd(m: Machine, _nowNs: number): void {
  const ft = m.frames;
  for (let n = 0; n < ft.nrNodes; n++) {
    if (ft.nodeFreeFrames[n] > m.wmarkLow[n]) continue;
    m.mem.kswapdRuns++;
    const want = m.wmarkHigh[n] - ft.nodeFreeFrames[n] + 1;
    m.mem.kswapdReclaimed += shrinkNode(m, n, want, m.kswapdCost);
  }
}

/**
 * The kernel's basic LRU aging and reclaim on one node: keep the inactive
 * list at least as long as the active one by deactivating from the active
 * tail (clearing references, so a page must be used again to stay); take
 * pages from the inactive tail, activating referenced ones (second chance)
 * and evicting the rest. Returns the pages freed.
 */
export function shrinkNode(m: Machine, node: number, nrToFree: number, acct: CostAccount): number {
  const lru = m.lru;
  let freed = 0;
  let scanned = 0;
  const maxScan = Math.max(64, 4 * nrToFree) + lru.pages(node, true) + lru.pages(node, false);
  while (freed < nrToFree && scanned < maxScan) {
    scanned++;
    if (lru.pages(node, false) < lru.pages(node, true)) {
      const a = lru.tailOf(node, true);
      testClearReferenced(m, a, acct);
      lru.move(a, false);
      continue;
    }
    const p = lru.tailOf(node, false);
    if (p < 0) break;
    if (testClearReferenced(m, p, acct)) lru.move(p, true);
    else if (evictFrame(m, p, acct)) freed++;
    else lru.move(p, false); // could not evict (unmapped): rotate
  }
  m.mem.scanned += scanned;
  m.charge(acct, scanned * m.costs.reclaimScanNs);
  return freed;
}

/**
 * Evicts an allocated, mapped frame: anonymous pages go to swap, file pages are
 * dropped; the PTE keeps PTE_SWAPPED so the next access major-faults it back.
 * Returns false for a frame that is free, unmapped or not on an LRU list.
 */
export function evictFrame(m: Machine, pfn: number, acct: CostAccount = m.kdamondCost): boolean {
  const ft = m.frames;
  if (pfn < 0 || pfn >= ft.capacity || !(ft.flags[pfn] & FRAME_ALLOCATED) || !(ft.flags[pfn] & FRAME_LRU))
    return false;
  const a = ft.rmapAsid[pfn];
  if (a === 0) return false;
  const as = m.spaces[a - 1];
  const vpn = ft.rmapVpn[pfn];
  const v = as.findVma(vpn);
  if (v === null) return false;
  const idx = vpn - v.startPage;
  const f = v.flagAt(idx);
  // File pages are clean (written back): dropping them costs no write.
  const write = !v.fileBacked || (f & PTE_DIRTY) !== 0;
  v.setFlag(idx, (f & ~(PTE_PRESENT | PTE_ACCESSED | PTE_DIRTY)) | PTE_SWAPPED);
  v.residentPages--;
  m.lru.remove(pfn);
  ft.free(pfn);
  m.mem.swapOuts++;
  m.mem.swapUsedPages++;
  if (write) m.charge(acct, m.costs.swapOutNs);
  flushTlbPage(m, as.pid, vpn * PAGE_SIZE, acct);
  return true;
}

/** Evicts the page at `vaddr` of `pid` (MADV_PAGEOUT on one page); false when not present. */
export function pageoutVaddr(
  m: Machine,
  pid: number,
  vaddr: number,
  acct: CostAccount = m.kdamondCost,
): boolean {
  const p = pte(m, pid, vaddr);
  if (p === null) return false;
  const ok = evictFrame(m, p.vma.frameAt(p.idx), acct);
  if (ok) m.mem.pageoutReclaimed++;
  return ok;
}

/** Brings a swapped-out page of `pid` back without a fault (MADV_WILLNEED); false when not swapped. */
export function swapInVaddr(
  m: Machine,
  pid: number,
  vaddr: number,
  acct: CostAccount = m.kdamondCost,
): boolean {
  const as = m.byPid.get(pid);
  const v = as?.vmaAt(vaddr);
  if (!as || !v) return false;
  const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
  const f = v.flagAt(idx);
  if (!(f & PTE_SWAPPED) || f & PTE_PRESENT) return false;
  const node = v.policyNode >= 0 ? v.policyNode : 0;
  const pfn = m.frames.allocate(node);
  if (pfn < 0) return false;
  m.frames.rmapAsid[pfn] = as.asid + 1;
  m.frames.rmapVpn[pfn] = idx + v.startPage;
  v.setFrame(idx, pfn);
  v.setFlag(idx, (f & ~PTE_SWAPPED) | PTE_PRESENT);
  v.residentPages++;
  m.lru.add(pfn, false);
  m.mem.swapIns++;
  m.mem.swapUsedPages--;
  m.charge(acct, m.costs.swapInNs);
  return true;
}

/** Moves a frame on an LRU list to the head of the active (or inactive) list; charges lruMoveNs. */
export function setLruActive(
  m: Machine,
  pfn: number,
  active: boolean,
  acct: CostAccount = m.kdamondCost,
): boolean {
  const ft = m.frames;
  if (pfn < 0 || pfn >= ft.capacity || !(ft.flags[pfn] & FRAME_LRU)) return false;
  m.lru.move(pfn, active);
  m.charge(acct, m.costs.lruMoveNs);
  return true;
}
