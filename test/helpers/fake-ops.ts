import type { Context } from "../../src/core/context.js";
import type { Ops } from "../../src/core/ops.js";

/**
 * A fake operations set over a synthetic address space: a page is "accessed" in
 * a sample iff it lies in one of `hot` (which the test may change at any time).
 */
export class RangeAccessOps implements Ops {
  readonly name = "fake-range";
  checks = 0;
  constructor(public hot: { start: number; end: number }[]) {}
  prepareAccessChecks(ctx: Context): void {
    for (const t of ctx.targets)
      for (const r of t.regions) r.samplingAddr = ctx.rng.randRange(r.start, r.end);
  }
  checkAccesses(ctx: Context): number {
    let max = 0;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        this.checks++;
        const a = r.samplingAddr;
        if (this.hot.some((h) => a >= h.start && a < h.end)) r.nrAccesses++;
        if (r.nrAccesses > max) max = r.nrAccesses;
      }
    }
    return max;
  }
}
