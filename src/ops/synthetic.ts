/**
 * A synthetic operations set: an address space whose accessed pages the caller
 * controls directly (a page is accessed in a sample iff it lies in one of `hot`).
 * It exercises the core without a memory system: the quick-start demo and the
 * core's tests use it.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import { probeHit, probeHitsWsum } from "../core/probe.js";
import type { PageAttrs } from "../core/probe.js";

type Range = { start: number; end: number };

function inRanges(a: number, ranges: readonly Range[]): boolean {
  for (const h of ranges) if (a >= h.start && a < h.end) return true;
  return false;
}

export class SyntheticOps implements Ops {
  readonly name = "synthetic";
  /** Access checks done so far (one per region per sample). */
  checks = 0;
  /** Pages in these ranges are anonymous, the rest file-backed (for probes). */
  anon: Range[] = [];
  /** The page the probes look at (reused: no allocation per sample). */
  private readonly page: PageAttrs & { addr: number };

  constructor(public hot: Range[]) {
    const page = {
      addr: 0,
      anon: false,
      active: false,
      memcgId: 0,
      size: 4096,
      unmapped: false,
      young: () => inRanges(page.addr, this.hot),
    };
    this.page = page;
  }

  prepareAccessChecks(ctx: Context): void {
    for (const t of ctx.targets)
      for (const r of t.regions) r.samplingAddr = ctx.rng.randRange(r.start, r.end);
  }

  applyProbes(ctx: Context, pickAddrs: boolean, getMaxWsum: boolean): number {
    if (pickAddrs) this.prepareAccessChecks(ctx);
    const probes = ctx.probes;
    const page = this.page;
    let max = 0;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        page.addr = r.samplingAddr;
        page.anon = inRanges(page.addr, this.anon);
        for (let i = 0; i < probes.length; i++) if (probeHit(probes[i].filters, page)) r.probeHits[i]++;
        if (getMaxWsum) max = Math.max(max, probeHitsWsum(r, false, false, probes, ctx));
      }
    }
    return max;
  }

  checkAccesses(ctx: Context): number {
    let max = 0;
    const hot = this.hot;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        this.checks++;
        const a = r.samplingAddr;
        for (const h of hot) {
          if (a >= h.start && a < h.end) {
            r.nrAccesses++;
            break;
          }
        }
        if (r.nrAccesses > max) max = r.nrAccesses;
      }
    }
    return max;
  }
}
