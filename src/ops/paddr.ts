/**
 * The `paddr` operation set (damon-spec.md §1.10, §3.5, §5.3): one physical
 * target covering System RAM by default; access checks go through the reverse
 * map to every mapping of the sampled frame.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import { setRegions } from "../core/region.js";
import type { Machine } from "../mm/machine.js";
import type { CostAccount } from "../mm/cost-model.js";
import { DamonInvalidError } from "../util/errors.js";
import { SameFolioCache } from "./same-folio.js";
import { describeOps } from "./descriptor.js";
import { MachineProbes } from "./machine-probes.js";

export interface PaddrOpsOptions {
  account?: CostAccount;
}

/**
 * The newest default paddr region (§1.10): from the start of the first System RAM
 * range to the end of the last, in core address units.
 */
export function systemRamDefaultRegion(m: Machine, addrUnit: number): { start: number; end: number } {
  const ram = m.systemRamRanges();
  if (ram.length === 0) throw new DamonInvalidError("no System RAM to monitor");
  const start = Math.floor(ram[0].start / addrUnit);
  const end = Math.floor(ram[ram.length - 1].end / addrUnit);
  if (end <= start) throw new DamonInvalidError("System RAM range is empty");
  return { start, end };
}

export class PaddrOps implements Ops {
  readonly name: string = "paddr";
  protected readonly account: CostAccount;
  private readonly folioCache = new SameFolioCache();
  private readonly probes: MachineProbes;

  constructor(
    protected readonly machine: Machine,
    opts: PaddrOpsOptions = {},
  ) {
    this.account = opts.account ?? machine.kdamondCost;
    this.probes = new MachineProbes(machine, "paddr", this.account);
  }

  prepProbes(ctx: Context, accessCheckDisabled: boolean): void {
    this.probes.prep(ctx, accessCheckDisabled);
  }

  applyProbes(ctx: Context, pickAddrs: boolean, getMaxWsum: boolean): number {
    return this.probes.apply(ctx, pickAddrs, getMaxWsum);
  }

  /** A target without user-given regions covers System RAM. */
  init(ctx: Context): void {
    for (const t of ctx.targets) {
      if (t.regions.length === 0)
        setRegions(t, [systemRamDefaultRegion(this.machine, ctx.addrUnit)], ctx.minRegionSz);
    }
  }

  prepareAccessChecks(ctx: Context): void {
    const m = this.machine;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        r.samplingAddr = ctx.rng.randRange(r.start, r.end);
        m.mkoldPaddr(r.samplingAddr * ctx.addrUnit, this.account);
      }
    }
  }

  checkAccesses(ctx: Context): number {
    const m = this.machine;
    // The same-folio cache spans all regions of all targets (§5.3).
    const cache = this.folioCache;
    cache.reset();
    let max = 0;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        const pa = r.samplingAddr * ctx.addrUnit;
        let accessed = cache.lookup(pa);
        if (accessed === null) {
          accessed = m.youngPaddr(pa, this.account);
          cache.store(pa, m.lastFolioBytes, accessed);
        }
        if (accessed) r.nrAccesses++;
        if (r.nrAccesses > max) max = r.nrAccesses;
      }
    }
    return max;
  }
}

/** `paddr`: physical memory through the reverse map. */
export const paddrDescriptor = describeOps({
  name: "paddr",
  space: "paddr",
  reportBased: false,
  primitives: (m) => new PaddrOps(m),
});
