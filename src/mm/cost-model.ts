/**
 * Every virtual-time cost of the simulated memory system, in one object, so an
 * experiment changes costs in one place and a report can print what it used.
 * All values are integer nanoseconds (CONVENTIONS.md). Defaults and their
 * anchors are documented in docs/memory-model.md.
 */

export interface CostModel {
  /**
   * Cost of one application access to memory on the accessing CPU's own node.
   * It sets the access rate: 10 ns ≈ 100 M accesses/s per CPU, near what
   * masim does natively.
   */
  localAccessNs: number;
  /** Extra cost of an access to memory on another node (added to that node's access cost). */
  remoteAccessExtraNs: number;
  /** Page-table walk on a TLB miss (only charged when the TLB model is on). */
  tlbMissWalkNs: number;
  /** Minor page fault on first touch: trap, allocate and zero a frame, map it (≈1 µs). */
  minorFaultNs: number;
  /** DAMON mkold of one page: page-table walk, test-and-clear Accessed, set PG_idle. */
  mkoldNs: number;
  /** DAMON young check of one page: page-table walk, test Accessed and PG_idle (≈0.2–0.3 µs). */
  youngCheckNs: number;
  /**
   * A page-table scanner (the `ptscan` ops) reading one entry of a table page:
   * entries are read in sequence, 8 to a cache line (≈ 1–2 ns each).
   */
  ptEntryScanNs: number;
  /** The same scanner clearing an entry's set Accessed bit (a locked test-and-clear). */
  ptEntryClearNs: number;
  /** Extra cost per reverse-map walk (paddr ops: lock the folio, find its mappings). */
  rmapWalkNs: number;
  /** Invalidating one page's TLB entry on the calling CPU. */
  tlbFlushLocalNs: number;
  /** Shooting down TLB entries on one other CPU (IPI round trip), charged to the caller. */
  tlbShootdownPerCpuNs: number;
  /** Migrating one 4 KiB page to another node: unmap, copy, remap (plus the TLB flush). */
  migratePageNs: number;
  /** Fault that maps a whole 2 MiB huge page (allocate and zero 2 MiB). */
  hugeFaultNs: number;
  /** Trap and remap part of a major fault (the device read is swapInNs on top). */
  majorFaultNs: number;
  /** Reading one page back from the swap device (zswap: decompress; disk: an SSD read). */
  swapInNs: number;
  /** Writing one page out to the swap device (zswap: compress; disk: submit a write). */
  swapOutNs: number;
  /** Reclaim scanning one LRU page (isolate, check references through the rmap). */
  reclaimScanNs: number;
  /** Moving one page between LRU lists (activate, deactivate, DAMOS lru_prio / cold). */
  lruMoveNs: number;
}

/** The documented defaults (docs/memory-model.md §Costs). */
export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  localAccessNs: 10,
  remoteAccessExtraNs: 7,
  tlbMissWalkNs: 20,
  minorFaultNs: 1000,
  mkoldNs: 200,
  youngCheckNs: 250,
  ptEntryScanNs: 2,
  ptEntryClearNs: 20,
  rmapWalkNs: 100,
  tlbFlushLocalNs: 100,
  tlbShootdownPerCpuNs: 1000,
  migratePageNs: 3000,
  hugeFaultNs: 40_000,
  majorFaultNs: 1000,
  swapInNs: 5000,
  swapOutNs: 4000,
  reclaimScanNs: 150,
  lruMoveNs: 100,
});

/** Swap devices: zswap-like (in-memory compressed, the default) or disk-like (an NVMe SSD). */
export const SWAP_DEVICES = {
  zswap: { swapInNs: 5000, swapOutNs: 4000 },
  disk: { swapInNs: 100_000, swapOutNs: 20_000 },
} as const;
export type SwapDevice = keyof typeof SWAP_DEVICES;

/** Defaults overridden by `over`; rejects negative or non-integer costs. */
export function makeCostModel(over: Partial<CostModel> = {}): CostModel {
  const c: CostModel = { ...DEFAULT_COSTS, ...over };
  for (const [k, v] of Object.entries(c) as [string, number][]) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`cost model: ${k} must be a non-negative integer (ns), got ${v}`);
    }
  }
  if (c.localAccessNs < 1) throw new RangeError("cost model: localAccessNs must be at least 1 ns");
  return c;
}

/** localAccessNs for an access rate in accesses per second per CPU (rounded, at least 1 ns). */
export function accessNsForRate(accessesPerSec: number): number {
  if (!(accessesPerSec > 0)) throw new RangeError(`access rate must be positive, got ${accessesPerSec}`);
  return Math.max(1, Math.round(1e9 / accessesPerSec));
}

/**
 * Where a non-application agent's work is charged. `ns` is what the agent spent;
 * when `cpu` is a CPU index the same time is also stolen from that CPU's clock
 * (so monitoring slows the application down); -1 = the agent has a CPU of its own.
 */
export class CostAccount {
  ns = 0;
  /** Accessed-bit checks (young) performed. */
  checks = 0;
  /** Accessed-bit clears (mkold) performed. */
  mkolds = 0;
  /** Reverse-map walks performed (paddr). */
  rmapWalks = 0;
  /** Single-page TLB flushes requested. */
  tlbFlushes = 0;
  constructor(
    readonly name: string,
    public cpu = -1,
  ) {}
}
