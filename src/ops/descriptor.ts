/**
 * One operation set, described whole (the kernel's `struct damon_operations`):
 * its monitoring primitives, how DAMOS actions are applied and regions scored,
 * the goal metrics it reads, and the kind of addresses it monitors. Every
 * descriptor is registered in ops/registry.ts; nothing else lists operation sets.
 */
import type { Context } from "../core/context.js";
import type { AddressSpaceKind, Ops } from "../core/ops.js";
import type { Region, Target } from "../core/region.js";
import type { CostAccount } from "../mm/cost-model.js";
import type { HintingMode } from "../mm/hinting/index.js";
import type { Machine } from "../mm/machine.js";
import type { SystemMetrics } from "../schemes/runner.js";
import { scoreByAction } from "../schemes/score.js";
import type { Scheme } from "../schemes/types.js";
import { DamosActionExecutor } from "./damos-actions.js";
import { MachineMetrics } from "./damos-metrics.js";

/** Run options some primitives take (the rest ignore them). */
export type { AddressSpaceKind };

export interface OpsBuildOptions {
  /** Hinting framework mode of the fault-based sets (default generic). */
  hintingMode?: HintingMode;
  /** Fault sets keep pages armed until they fault (default: one armed page per region). */
  faultKeepArmed?: boolean;
  /** hwsample sets: report every Nth access per CPU. */
  hwsamplePeriod?: number;
  /** ptscan: page-table entries read per sampling interval. */
  ptscanBudget?: number;
}

export interface OpsDescriptor {
  /** Name as `--ops` and the kdamonds `ops` field spell it. */
  readonly name: string;
  readonly space: AddressSpaceKind;
  /**
   * Fed by access reports (which know the CPU, thread and write) instead of
   * checking Accessed bits; its primitives then have no `checkAccesses`.
   */
  readonly reportBased: boolean;
  /**
   * Monitoring regions are fixed by the user (`fvaddr`): a run must give them,
   * and the layout is never refreshed.
   */
  readonly fixedRegions?: boolean;
  /**
   * The run options of OpsBuildOptions its primitives read: a run that gives one
   * to no operation set that takes it is refused rather than silently ignored.
   */
  readonly takes?: readonly (keyof OpsBuildOptions)[];
  /** The monitoring primitives (init, update, prepare/check, target_valid, cleanup). */
  primitives(m: Machine, o: OpsBuildOptions): Ops;
  /** `apply_scheme`: the executor carrying out DAMOS actions on this space, charging `acct`. */
  schemeExecutor(m: Machine, acct?: CostAccount): DamosActionExecutor;
  /** `get_scheme_score`: a region's priority (0..99) under a scheme's quota. */
  getSchemeScore(ctx: Context, t: Target, r: Region, s: Scheme): number;
  /** Watermark and quota-goal metrics of the memory system, as this space reads them. */
  goalMetrics(m: Machine): SystemMetrics;
}

/**
 * A descriptor whose DAMOS side (actions, score, goal metrics) is the standard
 * one of its address space; only the primitives are its own.
 */
export function describeOps(d: {
  name: string;
  space: AddressSpaceKind;
  reportBased: boolean;
  fixedRegions?: boolean;
  takes?: readonly (keyof OpsBuildOptions)[];
  primitives(m: Machine, o: OpsBuildOptions): Ops;
}): OpsDescriptor {
  const space = d.space;
  return {
    ...d,
    schemeExecutor: (m, acct) => new DamosActionExecutor(m, space, acct),
    getSchemeScore: (ctx, _t, r, s) => scoreByAction(ctx, r, s),
    goalMetrics: (m) => new MachineMetrics(m, space),
  };
}
