/**
 * The `vaddr` operation set (damon-spec.md §3.4, §5.2) over the simulated memory
 * system: targets are processes; the layout is the "three regions" around the
 * two largest gaps, refreshed every update interval; access checks clear and test
 * the page-table Accessed bit of one sampled page per region.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import { setRegions } from "../core/region.js";
import type { Target } from "../core/region.js";
import type { Machine } from "../mm/machine.js";
import type { CostAccount } from "../mm/cost-model.js";
import { threeRegionsOf } from "./three-regions.js";
import { SameFolioCache } from "./same-folio.js";
import { describeOps } from "./descriptor.js";
import { MachineProbes } from "./machine-probes.js";

export interface VaddrOpsOptions {
  /** Cost account DAMON's checks are charged to (default: the machine's kdamond account). */
  account?: CostAccount;
  /**
   * Flush the sampled page's TLB entries at mkold. The kernel does not (it is
   * costly), so cached translations under-report; this shows what a flush buys.
   */
  flushOnMkold?: boolean;
}

/** Sets a target's regions to its process's three regions; false when the layout has too few gaps. */
export function applyThreeRegions(m: Machine, ctx: Context, t: Target): boolean {
  if (t.pid === undefined || !m.isAlive(t.pid)) return false;
  const three = threeRegionsOf(m.vmas(t.pid), ctx.minRegionSz);
  if (three === null) return false;
  setRegions(t, three, ctx.minRegionSz);
  return true;
}

export class VaddrOps implements Ops {
  readonly name: string = "vaddr";
  protected readonly account: CostAccount;
  private readonly flushOnMkold: boolean;
  private readonly folioCache = new SameFolioCache();
  private readonly probes: MachineProbes;

  constructor(
    protected readonly machine: Machine,
    opts: VaddrOpsOptions = {},
  ) {
    this.account = opts.account ?? machine.kdamondCost;
    this.flushOnMkold = opts.flushOnMkold ?? false;
    this.probes = new MachineProbes(machine, "vaddr", this.account);
  }

  prepProbes(ctx: Context, accessCheckDisabled: boolean): void {
    this.probes.prep(ctx, accessCheckDisabled);
  }

  applyProbes(ctx: Context, pickAddrs: boolean, getMaxWsum: boolean): number {
    return this.probes.apply(ctx, pickAddrs, getMaxWsum);
  }

  /** Initial layout: three regions per target (targets with user-given regions keep them). */
  init(ctx: Context): void {
    for (const t of ctx.targets) if (t.regions.length === 0) applyThreeRegions(this.machine, ctx, t);
  }

  /** Every update interval: follow mmap/munmap/brk (§3.4 `damon_va_update`). */
  update(ctx: Context): void {
    for (const t of ctx.targets) applyThreeRegions(this.machine, ctx, t);
  }

  prepareAccessChecks(ctx: Context): void {
    const m = this.machine;
    for (const t of ctx.targets) {
      if (t.pid === undefined || !m.isAlive(t.pid)) continue;
      for (const r of t.regions) {
        r.samplingAddr = ctx.rng.randRange(r.start, r.end);
        m.mkoldVaddr(t.pid, r.samplingAddr, this.account, this.flushOnMkold);
      }
    }
  }

  checkAccesses(ctx: Context): number {
    const m = this.machine;
    const cache = this.folioCache;
    let max = 0;
    for (const t of ctx.targets) {
      const alive = t.pid !== undefined && m.isAlive(t.pid);
      cache.reset();
      for (const r of t.regions) {
        let accessed = false;
        if (alive) {
          const a = r.samplingAddr;
          const cached = cache.lookup(a);
          if (cached !== null) accessed = cached;
          else {
            accessed = m.youngVaddr(t.pid!, a, this.account);
            cache.store(a, m.lastFolioBytes, accessed);
          }
        }
        if (accessed) r.nrAccesses++;
        if (r.nrAccesses > max) max = r.nrAccesses;
      }
    }
    return max;
  }

  targetValid(t: Target): boolean {
    return t.pid !== undefined && this.machine.isAlive(t.pid);
  }
}

/** `vaddr`: the workload's process, Accessed bits, no TLB flush at mkold (as the kernel). */
export const vaddrDescriptor = describeOps({
  name: "vaddr",
  space: "vaddr",
  reportBased: false,
  primitives: (m) => new VaddrOps(m),
});

/** `vaddr-flush`: vaddr that also flushes the sampled page's TLB entries at mkold. */
export const vaddrFlushDescriptor = describeOps({
  name: "vaddr-flush",
  space: "vaddr",
  reportBased: false,
  primitives: (m) => new VaddrOps(m, { flushOnMkold: true }),
});
