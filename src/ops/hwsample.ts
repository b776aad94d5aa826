/**
 * `hwsample`: a hardware-sampled access source like AMD IBS / Intel PEBS
 * (damon-spec.md §5.6): every Nth access of each CPU is reported with its
 * physical (and virtual) address, CPU, thread and whether it wrote; the report
 * lands in the per-CPU ring and the core drains it once per sample. There is no
 * access-check work per region at all: the cost is the sampling interrupt, charged
 * to the CPU whose access was sampled.
 *
 * `hwsample` monitors physical memory (like the RFC's `paddr_ibs`);
 * `hwsample-vaddr` monitors the workload's virtual address space with the same
 * samples.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import type { Target } from "../core/region.js";
import type { AccessSampler, Machine, SimThread } from "../mm/machine.js";
import type { Vma } from "../mm/vma.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { PaddrOps } from "./paddr.js";
import { VaddrOps } from "./vaddr.js";
import { describeOps } from "./descriptor.js";

export interface HwSampleOptions {
  /** Report every Nth access per CPU (default 10,000). */
  period?: number;
  /** Interrupt + handler time per sample, charged to the sampled CPU (default 2 µs). */
  sampleNs?: number;
}

export const DEFAULT_HWSAMPLE_PERIOD = 10_000;

class Sampler implements AccessSampler {
  ctx: Context | null = null;
  samples = 0;
  constructor(
    readonly period: number,
    private readonly sampleNs: number,
    private readonly physical: boolean,
  ) {}
  sample(th: SimThread, vma: Vma, vaddr: number, isWrite: boolean, nowNs: number): number {
    const ctx = this.ctx;
    if (ctx === null) return 0;
    this.samples++;
    let addr = vaddr;
    if (this.physical) {
      const pfn = vma.frameAt(Math.floor(vaddr / PAGE_SIZE) - vma.startPage);
      addr = Math.floor((pfn * PAGE_SIZE + (vaddr % PAGE_SIZE)) / ctx.addrUnit);
    }
    ctx.reports.push(th.cpu.id, addr, 1, th.tid, this.physical ? 0 : th.as.pid, isWrite, nowNs);
    return this.sampleNs;
  }
}

export class HwSampleOps implements Ops {
  readonly name: string;
  private readonly sampler: Sampler;
  private readonly layout: VaddrOps | PaddrOps;

  constructor(
    private readonly machine: Machine,
    private readonly physical: boolean,
    opts: HwSampleOptions = {},
  ) {
    this.name = physical ? "hwsample" : "hwsample-vaddr";
    this.sampler = new Sampler(opts.period ?? DEFAULT_HWSAMPLE_PERIOD, opts.sampleNs ?? 2000, physical);
    this.layout = physical ? new PaddrOps(machine) : new VaddrOps(machine);
  }

  /** Samples taken so far. */
  get samples(): number {
    return this.sampler.samples;
  }

  init(ctx: Context): void {
    this.layout.init(ctx);
    this.sampler.ctx = ctx;
    this.machine.setAccessSampler(this.sampler);
  }

  update(ctx: Context): void {
    if (this.layout instanceof VaddrOps) this.layout.update(ctx);
  }

  targetValid(t: Target): boolean {
    return this.layout instanceof VaddrOps ? this.layout.targetValid(t) : true;
  }

  cleanup(): void {
    this.sampler.ctx = null;
    this.machine.setAccessSampler(null);
  }
}

/** `hwsample`: sampled accesses reported by physical address. */
export const hwsampleDescriptor = describeOps({
  name: "hwsample",
  space: "paddr",
  reportBased: true,
  takes: ["hwsamplePeriod"],
  primitives: (m, o) => new HwSampleOps(m, true, { period: o.hwsamplePeriod }),
});

/** `hwsample-vaddr`: the same samples, by the workload's virtual address. */
export const hwsampleVaddrDescriptor = describeOps({
  name: "hwsample-vaddr",
  space: "vaddr",
  reportBased: true,
  takes: ["hwsamplePeriod"],
  primitives: (m, o) => new HwSampleOps(m, false, { period: o.hwsamplePeriod }),
});
