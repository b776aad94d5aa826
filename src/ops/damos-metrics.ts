/**
 * The system measures DAMOS reads from the simulated memory system: the free
 * memory rate of watermarks (§6.9) and the quota-goal metrics (§6.8.1).
 */
import { multFrac } from "../core/arith.js";
import type { Context } from "../core/context.js";
import type { AddressSpaceKind } from "../core/ops.js";
import type { Machine } from "../mm/machine.js";
import { FRAME_ALLOCATED, FRAME_LRU } from "../mm/frames.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { regionNrAccesses } from "../schemes/score.js";
import type { SystemMetrics } from "../schemes/runner.js";
import type { QuotaGoal, Scheme } from "../schemes/types.js";

const BP = 10000;

function ratioBp(part: number, whole: number): number {
  return whole > 0 ? Math.floor((part * BP) / whole) : 0;
}

export class MachineMetrics implements SystemMetrics {
  constructor(
    private readonly m: Machine,
    private readonly space: AddressSpaceKind,
  ) {}

  freeMemRatePermil(): number {
    return this.m.freeMemRatePermil();
  }

  goalMetric(g: QuotaGoal, ctx: Context, s: Scheme): number {
    const v = this.raw(g, ctx, s);
    return g.complement && g.metric.endsWith("_bp") ? Math.max(0, BP - v) : v;
  }

  private raw(g: QuotaGoal, ctx: Context, s: Scheme): number {
    const m = this.m;
    const validNid = Number.isInteger(g.nid) && g.nid >= 0 && g.nid < m.nrNodes;
    // invalid_mem_node: out of range or without memory (!node_state(nid, N_MEMORY)).
    const memNode = validNid && m.nodeTotalFrames(g.nid) > 0;
    switch (g.metric) {
      case "some_mem_psi_us": {
        const total = Math.floor(m.mem.stallNs / 1000);
        // damos_set_quota_goal_current_value: an uninitialised baseline (first round,
        // or after a commit) takes current = target, so this round has no effect.
        const last = g.lastPsiTotal;
        g.lastPsiTotal = total;
        return last === null ? g.targetValue : Math.max(0, total - last);
      }
      case "node_mem_used_bp":
      case "node_mem_free_bp": {
        // damos_get_node_mem_bp: an invalid node reads as "nothing used, all free".
        const used = g.metric === "node_mem_used_bp";
        if (!memNode) return used ? 0 : BP;
        const total = m.nodeTotalFrames(g.nid);
        const free = m.nodeFreeFrames(g.nid);
        if (total === 0 || total < free) return used ? BP : 0;
        return multFrac(used ? total - free : free, BP, total);
      }
      case "node_memcg_used_bp":
      case "node_memcg_free_bp": {
        // damos_get_node_memcg_used_bp: invalid node or no such memcg → used 0 / free 10000.
        const usedMetric = g.metric === "node_memcg_used_bp";
        if (!memNode || !(g.memcgId > 0)) return usedMetric ? 0 : BP;
        const total = m.nodeTotalFrames(g.nid);
        const used = m.memcgNodePages(g.memcgId, g.nid);
        if (total === 0 || total < used) return usedMetric ? BP : 0;
        return multFrac(usedMetric ? used : total - used, BP, total);
      }
      case "active_mem_bp":
      case "inactive_mem_bp": {
        const act = m.lru.total(true);
        const inact = m.lru.total(false);
        return ratioBp(g.metric === "active_mem_bp" ? act : inact, act + inact);
      }
      case "node_eligible_mem_bp":
        return this.space === "paddr" && validNid ? this.eligibleBp(g.nid, ctx, s) : 0;
      default:
        return g.currentValue;
    }
  }

  /** Bytes of pattern-eligible regions' folios on `nid` / all eligible folio bytes (paddr). */
  private eligibleBp(nid: number, ctx: Context, s: Scheme): number {
    const ft = this.m.frames;
    const p = s.pattern;
    let onNode = 0;
    let all = 0;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        const sz = r.end - r.start;
        const nr = regionNrAccesses(ctx, r);
        if (sz < p.minSzRegion || sz > p.maxSzRegion || nr < p.minNrAccesses || nr > p.maxNrAccesses)
          continue;
        if (r.age < p.minAge || r.age > p.maxAge) continue;
        const from = Math.ceil((r.start * ctx.addrUnit) / PAGE_SIZE);
        const to = Math.min(ft.capacity, Math.floor((r.end * ctx.addrUnit) / PAGE_SIZE));
        for (let pfn = from; pfn < to; pfn++) {
          const f = ft.flags[pfn];
          if (!(f & FRAME_ALLOCATED) || !(f & FRAME_LRU)) continue;
          all++;
          if (ft.node[pfn] === nid) onNode++;
        }
      }
    }
    return ratioBp(onNode, all);
  }
}
