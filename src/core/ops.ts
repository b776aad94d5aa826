/**
 * The operations-set interface (damon-spec.md §1.6): the only way the core
 * touches an address space. Every callback is optional, as in the kernel.
 */
import type { Context } from "./context.js";
import type { Target } from "./region.js";

/** The operation sets the kernel has (`enum damon_ops_id`); the simulator registers more (ops/registry.ts). */
export const OPS = ["vaddr", "fvaddr", "paddr"] as const;
export type OpsName = (typeof OPS)[number];

/** What a target's addresses mean: a process's virtual ones (`pid` set), or physical memory. */
export type AddressSpaceKind = "vaddr" | "paddr";

/**
 * The monitoring primitives of an operation set. The rest of the kernel's
 * `struct damon_operations` (apply_scheme, get_scheme_score) is in the set's
 * descriptor (ops/descriptor.ts), beside these.
 */
export interface Ops {
  /** Name as the kernel spells it: `vaddr`, `paddr`, `vaddr-fault`, ... */
  readonly name: string;
  /** Once at kdamond start: build the initial regions. */
  init?(ctx: Context): void;
  /** Every update interval: refresh the layout (vaddr: three regions). */
  update?(ctx: Context): void;
  /** Start of each sample: pick sampling addresses and arm the access check. */
  prepareAccessChecks?(ctx: Context): void;
  /**
   * End of each sample: count accesses and return the maximum `nrAccesses`.
   * When absent, the core drains access reports instead (report mode, §5.5.2).
   */
  checkAccesses?(ctx: Context): number;
  /**
   * Before the sample interval, when a probe has preps (`ops.prep_probes`): pick
   * sampling addresses if access checks are disabled, and run the preps there.
   */
  prepProbes?(ctx: Context, accessCheckDisabled: boolean): void;
  /**
   * After the sample interval (`ops.apply_probes`): evaluate every probe's filters
   * at each region's sampling address and count hits. `pickAddrs`: no access check
   * or prep chose the addresses this sample. Returns the maximum weighted sum of
   * hits when `getMaxWsum` (the merge threshold base of data-attributes-only runs).
   */
  applyProbes?(ctx: Context, pickAddrs: boolean, getMaxWsum: boolean): number;
  /** Whether a target is still alive (vaddr: its process exists). */
  targetValid?(t: Target): boolean;
  /** Whether a report (from a process `pid`, or 0 for physical) belongs to target t. */
  eligibleReport?(reportPid: number, t: Target): boolean;
  /** At kdamond stop. */
  cleanup?(ctx: Context): void;
}

/** An Ops that does nothing: regions must be set by the caller. */
export const nullOps: Ops = { name: "null" };
