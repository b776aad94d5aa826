/**
 * Data-attribute probes over the simulated memory system (`ops.prep_probes` and
 * `ops.apply_probes` of vaddr and paddr): each probe's filters are evaluated on
 * the folio at the region's sampling address, the same address the access check
 * uses. A sampled address with no LRU folio behind it is a hit of no probe.
 */
import type { Context } from "../core/context.js";
import { probeHit, probeHitsWsum } from "../core/probe.js";
import type { Region, Target } from "../core/region.js";
import type { CostAccount } from "../mm/cost-model.js";
import type { Machine } from "../mm/machine.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { describeFolio, newFolioAttrs } from "./folio-attrs.js";
import type { FolioAttrs } from "./folio-attrs.js";

export type ProbeSpace = "vaddr" | "paddr";

export class MachineProbes {
  private readonly folio: FolioAttrs;

  constructor(
    private readonly m: Machine,
    private readonly space: ProbeSpace,
    private readonly acct: CostAccount,
  ) {
    this.folio = newFolioAttrs(m, acct);
  }

  /** Frame behind region r's sampling address, or -1. */
  private frameAt(ctx: Context, t: Target, r: Region): number {
    if (this.space === "paddr") return Math.floor((r.samplingAddr * ctx.addrUnit) / PAGE_SIZE);
    if (t.pid === undefined || !this.m.isAlive(t.pid)) return -1;
    return this.m.frameOf(t.pid, r.samplingAddr);
  }

  /** Resolves memcg paths to the machine's cgroup ids (-1: no such cgroup, never matches). */
  private resolveMemcgs(ctx: Context): void {
    for (const p of ctx.probes)
      for (const f of p.filters)
        if (f.type === "memcg" && f.memcgId === undefined) f.memcgId = this.m.memcgId(f.memcgPath ?? "/");
  }

  private pickAddrs(ctx: Context): void {
    for (const t of ctx.targets)
      for (const r of t.regions) r.samplingAddr = ctx.rng.randRange(r.start, r.end);
  }

  /** `prep_probes`: choose addresses when nothing else will, then run the preps (mkold) there. */
  prep(ctx: Context, accessCheckDisabled: boolean): void {
    if (accessCheckDisabled) this.pickAddrs(ctx);
    if (!ctx.probes.some((p) => p.preps.includes("mkold"))) return;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        const pfn = this.frameAt(ctx, t, r);
        if (pfn >= 0) this.m.mkoldPaddr(pfn * PAGE_SIZE, this.acct);
      }
    }
  }

  /** `apply_probes`: count each probe's hits at the sampling addresses; the max weighted sum if asked. */
  apply(ctx: Context, pickAddrs: boolean, getMaxWsum: boolean): number {
    if (pickAddrs) this.pickAddrs(ctx);
    const probes = ctx.probes;
    if (probes.length === 0) return 0;
    this.resolveMemcgs(ctx);
    const fo = this.folio;
    let max = 0;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        if (describeFolio(this.m, this.frameAt(ctx, t, r), fo, this.acct)) {
          for (let i = 0; i < probes.length; i++) if (probeHit(probes[i].filters, fo)) r.probeHits[i]++;
        }
        if (getMaxWsum) {
          const w = probeHitsWsum(r, false, false, probes, ctx);
          if (w > max) max = w;
        }
      }
    }
    return max;
  }
}
