/**
 * Page-fault based access sampling (damon-spec.md §5.5): `vaddr-fault` and
 * `paddr-fault` keep the regions of `vaddr` / `paddr` but, instead of clearing
 * and testing Accessed bits, arm each region's sampled page through the generic
 * hinting framework as owner "damon"; the next access faults, and the fault
 * becomes an access report (address, CPU, thread, write) that the core drains
 * once per sample. These ops have no `checkAccesses`: the core runs in report mode.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import type { Target } from "../core/region.js";
import type { CostAccount } from "../mm/cost-model.js";
import { DAMON_OWNER, hintingOf } from "../mm/hinting/index.js";
import type {
  HintFault,
  HintingFramework,
  HintingMode,
  HintOwner,
  OwnerHandle,
} from "../mm/hinting/index.js";
import type { Machine } from "../mm/machine.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { PaddrOps } from "./paddr.js";
import { VaddrOps } from "./vaddr.js";
import { describeOps } from "./descriptor.js";

export interface FaultOpsOptions {
  mode?: HintingMode;
  /**
   * Generic mode: keep pages armed until they fault, as the RFC does (default
   * false). By default each prepare first withdraws the pages the previous sample
   * armed, so one page per region is armed at a time and a region counts an access
   * only when its sampled page was touched in that sample — the semantics DAMON's
   * region-based sampling assumes. Kept armed, untouched pages pile up and fault
   * later in bursts, overstating frequencies and overflowing the report rings on
   * large random working sets (see docs/fault-sampling.md). Piggyback mode always
   * keeps them armed: the RFC has no way to withdraw a page (no owner bits).
   */
  keepArmed?: boolean;
  account?: CostAccount;
  /** Handler time of one report (damon_report_access), in ns. */
  reportNs?: number;
}

/** The DAMON side of fault sampling: one hinting owner feeding one context's reports. */
class DamonFaultOwner implements HintOwner {
  readonly name = DAMON_OWNER;
  ctx: Context | null = null;
  constructor(
    private readonly physical: boolean,
    private readonly reportNs: number,
  ) {}
  onFault(f: HintFault): number {
    const ctx = this.ctx;
    if (ctx === null) return 0;
    const addr = this.physical ? Math.floor(f.paddr / ctx.addrUnit) : f.vaddr;
    ctx.reports.push(f.cpu, addr, 1, f.tid, this.physical ? 0 : f.pid, f.isWrite, f.timeNs);
    return this.reportNs;
  }
}

abstract class FaultOpsBase implements Ops {
  abstract readonly name: string;
  protected readonly fw: HintingFramework;
  protected readonly owner: DamonFaultOwner;
  protected handle: OwnerHandle | null = null;
  protected readonly account: CostAccount;
  private readonly keepArmed: boolean;
  /** Pages armed by the last prepare: (pid, vaddr) pairs, reused. */
  private armedPids: number[] = [];
  private armedAddrs: number[] = [];

  constructor(
    protected readonly machine: Machine,
    physical: boolean,
    opts: FaultOpsOptions,
  ) {
    this.fw = hintingOf(machine, { mode: opts.mode });
    this.owner = new DamonFaultOwner(physical, opts.reportNs ?? 100);
    this.account = opts.account ?? machine.kdamondCost;
    this.keepArmed = this.fw.isolation !== "generic" || (opts.keepArmed ?? false);
  }

  /** Withdraws the pages the previous sample armed that have not faulted. */
  protected disarmPrevious(): void {
    if (this.handle !== null && !this.keepArmed) {
      for (let i = 0; i < this.armedPids.length; i++)
        this.fw.disarm(this.handle, this.armedPids[i], this.armedAddrs[i], this.account);
    }
    this.armedPids.length = 0;
    this.armedAddrs.length = 0;
  }

  /** Arms one page for DAMON and remembers it for the next disarm. */
  protected armPage(pid: number, vaddr: number): void {
    if (this.fw.arm(this.handle!, pid, vaddr, this.account)) {
      this.armedPids.push(pid);
      this.armedAddrs.push(vaddr);
    }
  }

  protected start(ctx: Context): void {
    this.owner.ctx = ctx;
    if (this.handle === null) this.handle = this.fw.register(this.owner);
  }

  /**
   * At kdamond stop: unregister. Generic mode clears DAMON's bit on every armed
   * page; piggyback mode leaves its pages armed, as the RFC does.
   */
  cleanup(): void {
    if (this.handle !== null) this.fw.unregister(this.handle);
    this.handle = null;
    this.owner.ctx = null;
  }
}

export class VaddrFaultOps extends FaultOpsBase {
  readonly name = "vaddr-fault";
  private readonly layout: VaddrOps;
  constructor(machine: Machine, opts: FaultOpsOptions = {}) {
    super(machine, false, opts);
    this.layout = new VaddrOps(machine, { account: this.account });
  }
  init(ctx: Context): void {
    this.layout.init(ctx);
    this.start(ctx);
  }
  update(ctx: Context): void {
    this.layout.update(ctx);
  }
  targetValid(t: Target): boolean {
    return this.layout.targetValid(t);
  }
  prepareAccessChecks(ctx: Context): void {
    if (this.handle === null) return;
    this.disarmPrevious();
    const m = this.machine;
    for (const t of ctx.targets) {
      if (t.pid === undefined || !m.isAlive(t.pid)) continue;
      for (const r of t.regions) {
        r.samplingAddr = ctx.rng.randRange(r.start, r.end);
        this.armPage(t.pid, r.samplingAddr);
      }
    }
  }
}

export class PaddrFaultOps extends FaultOpsBase {
  readonly name = "paddr-fault";
  private readonly layout: PaddrOps;
  constructor(machine: Machine, opts: FaultOpsOptions = {}) {
    super(machine, true, opts);
    this.layout = new PaddrOps(machine, { account: this.account });
  }
  init(ctx: Context): void {
    this.layout.init(ctx);
    this.start(ctx);
  }
  /** Arms every mapping of the sampled frame (found through the reverse map). */
  prepareAccessChecks(ctx: Context): void {
    if (this.handle === null) return;
    this.disarmPrevious();
    const m = this.machine;
    for (const t of ctx.targets) {
      for (const r of t.regions) {
        r.samplingAddr = ctx.rng.randRange(r.start, r.end);
        const mapping = m.rmapOf(Math.floor((r.samplingAddr * ctx.addrUnit) / PAGE_SIZE), this.account);
        if (mapping !== null) this.armPage(mapping.pid, mapping.vaddr);
      }
    }
  }
}

/** `vaddr-fault`: the process's pages armed through the hinting framework; faults are reports. */
export const vaddrFaultDescriptor = describeOps({
  name: "vaddr-fault",
  space: "vaddr",
  reportBased: true,
  takes: ["hintingMode", "faultKeepArmed"],
  primitives: (m, o) => new VaddrFaultOps(m, { mode: o.hintingMode, keepArmed: o.faultKeepArmed }),
});

/** `paddr-fault`: every mapping of a sampled frame armed; faults are reports. */
export const paddrFaultDescriptor = describeOps({
  name: "paddr-fault",
  space: "paddr",
  reportBased: true,
  takes: ["hintingMode", "faultKeepArmed"],
  primitives: (m, o) => new PaddrFaultOps(m, { mode: o.hintingMode, keepArmed: o.faultKeepArmed }),
});
