/**
 * What the operation sets read of one folio for filters: DAMOS ops filters
 * (src/schemes/filters.ts) and data-attribute probes (src/core/probe.ts) test the
 * same properties. One reusable description per user: no allocation per page.
 */
import type { PageAttrs } from "../core/probe.js";
import type { CostAccount } from "../mm/cost-model.js";
import { FRAME_ACTIVE, FRAME_ALLOCATED, FRAME_LRU } from "../mm/frames.js";
import type { Machine } from "../mm/machine.js";
import { PAGE_SIZE } from "../mm/vma.js";

/** A reusable folio description; `young()` tests and clears the frame's Accessed state. */
export type FolioAttrs = PageAttrs & { pfn: number };

/** A folio description whose `young()` is DAMON's folio young check followed by mkold. */
export function newFolioAttrs(m: Machine, acct: CostAccount): FolioAttrs {
  const fo: FolioAttrs = {
    pfn: -1,
    anon: true,
    active: false,
    memcgId: 0,
    size: PAGE_SIZE,
    unmapped: false,
    young: () => {
      const pa = fo.pfn * PAGE_SIZE;
      const y = m.youngPaddr(pa, acct);
      m.mkoldPaddr(pa, acct);
      return y;
    },
  };
  return fo;
}

/** Fills `fo` for frame `pfn`; false when it is not an allocated LRU folio. */
export function describeFolio(m: Machine, pfn: number, fo: FolioAttrs, acct: CostAccount): boolean {
  const ft = m.frames;
  if (pfn < 0 || pfn >= ft.capacity) return false;
  const f = ft.flags[pfn];
  if (!(f & FRAME_ALLOCATED) || !(f & FRAME_LRU)) return false;
  fo.pfn = pfn;
  fo.active = (f & FRAME_ACTIVE) !== 0;
  fo.memcgId = m.memcgOfFrame(pfn);
  fo.size = m.folioBytes(pfn);
  fo.unmapped = ft.rmapAsid[pfn] === 0;
  const map = fo.unmapped ? null : m.rmapOf(pfn, acct);
  fo.anon = map === null ? true : !m.isFileBacked(map.pid, map.vaddr);
  return true;
}
