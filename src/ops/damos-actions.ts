/**
 * DAMOS action executors over the simulated memory system (damon-spec.md §6.3):
 * what each action does to the pages of a region, on the operation sets that
 * support it. Unsupported (ops, action) pairs apply 0 bytes. vaddr madvise
 * actions act on the whole region without ops filters (applied = region size);
 * migrate and stat, and every paddr action, walk the region's pages and apply
 * ops filters per folio; paddr pageout adds the implicit young filter.
 */
import type { Context } from "../core/context.js";
import type { AddressSpaceKind } from "../core/ops.js";
import type { Region, Target } from "../core/region.js";
import type { Machine } from "../mm/machine.js";
import type { CostAccount } from "../mm/cost-model.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { opsFiltersPass } from "../schemes/filters.js";
import { describeFolio, newFolioAttrs, type FolioAttrs } from "./folio-attrs.js";
import type { ActionExecutor, ActionResult } from "../schemes/runner.js";
import type { DamosAction, DamosFilter, Scheme } from "../schemes/types.js";

/** The §6.3 support matrix. */
export const ACTION_SUPPORT: Record<DamosAction, readonly AddressSpaceKind[]> = {
  willneed: ["vaddr"],
  cold: ["vaddr"],
  pageout: ["vaddr", "paddr"],
  hugepage: ["vaddr"],
  nohugepage: ["vaddr"],
  collapse: ["vaddr"],
  lru_prio: ["paddr"],
  lru_deprio: ["paddr"],
  migrate_hot: ["vaddr", "paddr"],
  migrate_cold: ["vaddr", "paddr"],
  stat: ["vaddr", "paddr"],
};

export function actionSupported(action: DamosAction, space: AddressSpaceKind): boolean {
  return ACTION_SUPPORT[action].includes(space);
}

/** paddr pageout's implicit filter: reject young folios (§6.3). */
const IMPLICIT_YOUNG_REJECT: DamosFilter = { type: "young", matching: true, allow: false };

/** Destination node of the `k`-th migrated page: weighted interleave over `dests`, else target_nid. */
export function migrateDest(s: Scheme, k: number): number {
  if (s.dests.length === 0) return s.targetNid;
  let total = 0;
  for (const d of s.dests) total += d.weight;
  if (total <= 0) return s.dests[0].nid;
  let x = k % total;
  for (const d of s.dests) {
    if (x < d.weight) return d.nid;
    x -= d.weight;
  }
  return s.dests[s.dests.length - 1].nid;
}

export interface ActionCounters {
  /** Pages migrated by migrate_hot / migrate_cold, and bytes. */
  migratedPages: number;
  pagedOut: number;
  swappedIn: number;
  lruMoves: number;
}

export class DamosActionExecutor implements ActionExecutor {
  readonly counters: ActionCounters = { migratedPages: 0, pagedOut: 0, swappedIn: 0, lruMoves: 0 };
  private migrateSeq = 0;
  /** One reusable folio description (no allocation per page). */
  private readonly folio: FolioAttrs;

  constructor(
    private readonly m: Machine,
    readonly space: AddressSpaceKind,
    private readonly acct: CostAccount = m.kdamondCost,
  ) {
    this.folio = newFolioAttrs(m, acct);
  }

  applyScheme(ctx: Context, t: Target, r: Region, s: Scheme): ActionResult {
    const before = this.acct.ns;
    const res = actionSupported(s.action, this.space)
      ? this.space === "vaddr"
        ? this.applyVaddr(t, r, s)
        : this.applyPaddr(ctx, r, s)
      : { applied: 0, filterPassed: 0 };
    return { ...res, costNs: this.acct.ns - before };
  }

  /** Fills the folio description of frame `pfn`; false when it is not an LRU folio. */
  private describe(pfn: number): boolean {
    return describeFolio(this.m, pfn, this.folio, this.acct);
  }

  private applyVaddr(t: Target, r: Region, s: Scheme): { applied: number; filterPassed: number } {
    const m = this.m;
    const pid = t.pid;
    if (pid === undefined || !m.isAlive(pid)) return { applied: 0, filterPassed: 0 };
    const start = Math.ceil(r.start / PAGE_SIZE) * PAGE_SIZE;
    const end = r.end;
    const size = Math.max(0, end - start);
    // The page walks below visit only pages whose page tables exist (touched chunks).
    const ranges = (): [number, number][] => m.process(pid).touchedRanges(start, end);
    switch (s.action) {
      case "willneed":
        for (const [from, to] of ranges())
          for (let a = from; a < to; a += PAGE_SIZE)
            if (m.swapInVaddr(pid, a, this.acct)) this.counters.swappedIn++;
        return { applied: size, filterPassed: 0 };
      case "cold":
        for (const [from, to] of ranges())
          for (let a = from; a < to; a += PAGE_SIZE) {
            const pfn = m.frameOf(pid, a);
            if (pfn >= 0) {
              m.testClearReferenced(pfn, this.acct);
              if (m.setLruActive(pfn, false, this.acct)) this.counters.lruMoves++;
            }
          }
        return { applied: size, filterPassed: 0 };
      case "pageout":
        for (const [from, to] of ranges())
          for (let a = from; a < to; a += PAGE_SIZE)
            if (m.pageoutVaddr(pid, a, this.acct)) this.counters.pagedOut++;
        return { applied: size, filterPassed: 0 };
      case "hugepage":
      case "nohugepage":
      case "collapse":
        return {
          applied: m.madviseHugepage(pid, start, end, s.action !== "nohugepage") ? size : 0,
          filterPassed: 0,
        };
      default:
        break;
    }
    // migrate_* and stat: per folio, with ops filters.
    let applied = 0;
    let passed = 0;
    const stat = s.action === "stat";
    if (stat && s.opsFilters.length === 0) return { applied: 0, filterPassed: 0 };
    for (const [from, to] of ranges())
      for (let a = from; a < to; a += PAGE_SIZE) {
        const pfn = m.frameOf(pid, a);
        if (pfn < 0 || !this.describe(pfn)) continue;
        if (!opsFiltersPass(s, this.folio)) continue;
        passed += PAGE_SIZE;
        if (stat) continue;
        const dest = migrateDest(s, this.migrateSeq);
        if (dest < 0 || dest >= m.nrNodes) continue;
        if (m.migratePage(pid, a, dest, this.acct)) {
          this.migrateSeq++;
          this.counters.migratedPages++;
          applied += PAGE_SIZE;
        }
      }
    return { applied, filterPassed: passed };
  }

  private applyPaddr(ctx: Context, r: Region, s: Scheme): { applied: number; filterPassed: number } {
    const m = this.m;
    const ft = m.frames;
    const from = Math.ceil((r.start * ctx.addrUnit) / PAGE_SIZE);
    const to = Math.min(ft.capacity, Math.floor((r.end * ctx.addrUnit) / PAGE_SIZE));
    const extra =
      s.action === "pageout" && !s.opsFilters.some((f) => f.type === "young") ? [IMPLICIT_YOUNG_REJECT] : [];
    const stat = s.action === "stat";
    if (stat && s.opsFilters.length === 0) return { applied: 0, filterPassed: 0 };
    let applied = 0;
    let passed = 0;
    for (let pfn = from; pfn < to; pfn++) {
      if (!this.describe(pfn)) continue;
      if (!opsFiltersPass(s, this.folio, extra)) continue;
      passed += PAGE_SIZE;
      let ok = false;
      switch (s.action) {
        case "pageout":
          ok = m.evictFrame(pfn, this.acct);
          if (ok) {
            this.counters.pagedOut++;
            m.mem.pageoutReclaimed++;
          }
          break;
        case "lru_prio":
        case "lru_deprio":
          ok = m.setLruActive(pfn, s.action === "lru_prio", this.acct);
          if (ok) this.counters.lruMoves++;
          break;
        case "migrate_hot":
        case "migrate_cold": {
          const dest = migrateDest(s, this.migrateSeq);
          const map = dest >= 0 && dest < m.nrNodes ? m.rmapOf(pfn, this.acct) : null;
          ok = map !== null && m.migratePage(map.pid, map.vaddr, dest, this.acct);
          if (ok) {
            this.migrateSeq++;
            this.counters.migratedPages++;
          }
          break;
        }
        default:
          break;
      }
      if (ok) applied += PAGE_SIZE;
    }
    return { applied, filterPassed: passed };
  }
}
