/**
 * Isolation policies: the ways the kernel community has discussed for DAMON,
 * NUMA balancing and userfaultfd RWP to share PROT_NONE hint faults
 * (docs/interference.md has each definition with its source). The framework
 * keeps one owner record per page in every mode — in `generic` it *is* the
 * page's owner bits; in the other modes it is only bookkeeping (the hardware has
 * one shared protnone state), used to count what the policy gets wrong. This
 * module decides who a fault reaches and classifies the outcome against that
 * record; counting, never assuming.
 */

/** The policies, as named in the LSF/MM/BPF 2026 discussion (issue 14). */
export const ISOLATION_MODES = ["generic", "run-time", "build-time", "partial", "ignore"] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];
/** `piggyback` is the older name of `run-time` (the 2025 RFC), kept for `race` and `--hinting`. */
export type HintingMode = IsolationMode | "piggyback";
export const HINTING_MODES: readonly HintingMode[] = [...ISOLATION_MODES, "piggyback"];

/** Owner names the shared-state policies know (each has a fixed bit there). */
export const NUMA_OWNER = "numa-balancing";
export const DAMON_OWNER = "damon";
export const UFFD_OWNER = "uffd-rwp";

/** Fixed record bits in the shared-state modes. */
export const NUMA_BIT = 0;
export const DAMON_BIT = 1;
export const UFFD_BIT = 2;

export function isolationOf(mode: HintingMode): IsolationMode {
  return mode === "piggyback" ? "run-time" : mode;
}

export function isHintingMode(s: string): s is HintingMode {
  return (HINTING_MODES as readonly string[]).includes(s);
}

/** The fixed bit of a known owner in the shared-state modes, or -1. */
export function fixedBit(name: string): number {
  return name === NUMA_OWNER
    ? NUMA_BIT
    : name === DAMON_OWNER
      ? DAMON_BIT
      : name === UFFD_OWNER
        ? UFFD_BIT
        : -1;
}

/** What the routing needs to know beside the page's record. */
export interface RouteState {
  /** Fixed bits of the registered owners. */
  registered: number;
  /** The numa_balancing switch (shared-state modes: NUMA balancing stays registered while off). */
  numaOn: boolean;
}

/**
 * Who a fault on a page reaches in a shared-state mode (a bit mask). An RWP
 * fault is told apart by its own PTE bit (the uffd series) and goes to
 * userfaultfd alone — protnone arming under it was skipped, as change_protection
 * skips PTEs that are already protnone. Other faults are protnone faults:
 *  - run-time: NUMA balancing if it is on now, else DAMON (the RFC);
 *  - build-time: whichever of the two this kernel has (only one can register);
 *  - partial: NUMA balancing and DAMON while NUMA balancing is on (DAMON
 *    consumes its faults), DAMON alone while it is off;
 *  - ignore: every active protnone consumer.
 */
export function routeShared(mode: IsolationMode, record: number, s: RouteState): number {
  const uffd = 1 << UFFD_BIT;
  if (record & uffd && s.registered & uffd) return uffd;
  const numa = s.numaOn ? 1 << NUMA_BIT : 0;
  const damon = 1 << DAMON_BIT;
  let to: number;
  switch (mode) {
    case "run-time":
      to = s.numaOn ? numa : damon;
      break;
    case "partial":
    case "ignore":
    case "build-time":
      to = numa | damon;
      break;
    case "generic":
      throw new Error("generic mode routes by the page's own owner bits");
  }
  return to & s.registered;
}

/** Whether owner bit `b` is an active consumer now (registered, and NUMA balancing switched on). */
export function isActive(b: number, s: RouteState): boolean {
  return (s.registered & (1 << b)) !== 0 && (b !== NUMA_BIT || s.numaOn);
}

/**
 * Whether a delivery to DAMON of a page it did not arm is the policy's design
 * rather than a misrouting: under `partial` DAMON consumes every protnone fault
 * (NUMA balancing's while it is on, and its leftovers after it is switched off).
 */
export function isSharedByDesign(mode: IsolationMode, bit: number): boolean {
  return mode === "partial" && bit === DAMON_BIT;
}

/** Per-mode: may `bit` arm now? `partial` defers DAMON's own arming while NUMA balancing is on. */
export function mayArm(mode: IsolationMode, bit: number, s: RouteState): boolean {
  return !(mode === "partial" && bit === DAMON_BIT && s.numaOn);
}

/** The failure each policy is documented to show (docs/interference.md); the interleaving tests hold each mode to it. */
export const DOCUMENTED_FAILURES: Record<IsolationMode, readonly string[]> = {
  generic: [],
  "run-time": ["misrouted", "stale-run", "lost", "lost-to-rwp"],
  "build-time": ["refused", "stale-run", "lost-to-rwp"],
  partial: ["misrouted", "lost-to-rwp"],
  ignore: ["misrouted", "stale-run", "lost-to-rwp"],
};
