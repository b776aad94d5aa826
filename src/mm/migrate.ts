/**
 * Page migration between NUMA nodes (NUMA balancing, DAMOS migrate_hot / migrate_cold).
 */
import type { Machine } from "./machine.js";
import { CostAccount } from "./cost-model.js";
import { FRAME_ACTIVE, FRAME_LRU, FRAME_THP } from "./frames.js";
import { pte } from "./page-idle.js";
import { flushTlbPage } from "./tlb-invalidate.js";

/**
 * Migrates the page at `vaddr` of `pid` to `node` (NUMA balancing, DAMOS
 * migrate): a new frame on exactly that node takes over the mapping, its
 * PG_idle/PG_young and the PTE bits; the old frame is freed and the
 * translation flushed. Returns false (and charges nothing) when the page is
 * not present, already on `node`, or `node` is full.
 */
export function migratePage(
  m: Machine,
  pid: number,
  vaddr: number,
  node: number,
  acct: CostAccount = m.kdamondCost,
): boolean {
  const p = pte(m, pid, vaddr);
  if (p === null) return false;
  const ft = m.frames;
  if (!Number.isInteger(node) || node < 0 || node >= ft.nrNodes)
    throw new RangeError(`node ${node} does not exist`);
  const old = p.vma.frameAt(p.idx);
  if (ft.node[old] === node) return false;
  const pfn = ft.allocateOn(node);
  if (pfn < 0) return false;
  const oldFlags = ft.flags[old];
  m.lru.remove(old);
  // Migration moves base pages: a huge page is split.
  ft.flags[pfn] = oldFlags & ~(FRAME_LRU | FRAME_THP);
  if (oldFlags & FRAME_LRU) m.lru.add(pfn, (oldFlags & FRAME_ACTIVE) !== 0);
  ft.rmapAsid[pfn] = ft.rmapAsid[old];
  ft.rmapVpn[pfn] = ft.rmapVpn[old];
  m.truth?.frameMoved(old, pfn);
  p.vma.setFrame(p.idx, pfn);
  // The truth already moved the page's counters: free the old frame without settling them.
  const onFree = ft.onFree;
  ft.onFree = null;
  ft.free(old);
  ft.onFree = onFree;
  m.charge(acct, m.costs.migratePageNs);
  flushTlbPage(m, pid, vaddr, acct);
  return true;
}
