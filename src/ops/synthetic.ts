/**
 * A synthetic operations set: an address space whose accessed pages the caller
 * controls directly (a page is accessed in a sample iff it lies in one of `hot`).
 * It exercises the core without a memory system: the quick-start demo and the
 * core's tests use it.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";

export class SyntheticOps implements Ops {
  readonly name = "synthetic";
  /** Access checks done so far (one per region per sample). */
  checks = 0;
  constructor(public hot: { start: number; end: number }[]) {}

  prepareAccessChecks(ctx: Context): void {
    for (const t of ctx.targets)
      for (const r of t.regions) r.samplingAddr = ctx.rng.randRange(r.start, r.end);
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
