/**
 * `fvaddr` (damon-spec.md §3.4): vaddr with fixed monitoring ranges. The user
 * sets the regions; the layout is never rebuilt from the process's mappings, so
 * the ranges are honoured for the whole run (the kernel's fvaddr has no `init`
 * and no `update` either).
 */
import type { Context } from "../core/context.js";
import { DamonInvalidError } from "../util/errors.js";
import { describeOps } from "./descriptor.js";
import { VaddrOps } from "./vaddr.js";

export class FvaddrOps extends VaddrOps {
  override readonly name: string = "fvaddr";

  /** No automatic layout: every target must come with its ranges. */
  override init(ctx: Context): void {
    for (const t of ctx.targets)
      if (t.regions.length === 0) throw new DamonInvalidError("fvaddr needs fixed monitoring regions");
  }

  /** Fixed ranges: nothing to follow. */
  override update(): void {}
}

export const fvaddrDescriptor = describeOps({
  name: "fvaddr",
  space: "vaddr",
  reportBased: false,
  fixedRegions: true,
  primitives: (m) => new FvaddrOps(m),
});
