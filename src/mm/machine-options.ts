/**
 * How a simulated machine is built (MachineOptions), the hooks the access path
 * calls out to (hinting faults, a hardware sampler), and its memory counters.
 */
import type { CostModel, SwapDevice } from "./cost-model.js";
import type { NodeConfig } from "./frames.js";
import type { SimThread } from "./sim-cpu.js";
import type { TlbConfig } from "./tlb.js";
import type { TlbEventConfig } from "./tlb-events.js";
import type { Vma } from "./vma.js";

/**
 * Issue 4's hinting framework plugs in here: called for an access to a page
 * with PTE_ARMED set, before the access completes. Returns the fault's cost in
 * ns (charged to the accessing CPU). It must clear PTE_ARMED (and its owner
 * bits) to restore the page.
 */
export type HintingFaultHandler = (
  th: SimThread,
  vma: Vma,
  pageIndex: number,
  vaddr: number,
  isWrite: boolean,
  nowNs: number,
) => number;

/**
 * A hardware access sampler (IBS / PEBS-like) on the access path: every
 * `period`-th access of each CPU is handed to `sample` after it completes; the
 * returned ns (interrupt + handler) are charged to that CPU. Off the hot loop:
 * the loop just stops at the next sample point.
 */
export interface AccessSampler {
  readonly period: number;
  sample(th: SimThread, vma: Vma, vaddr: number, isWrite: boolean, nowNs: number): number;
}

export interface MachineOptions {
  /** NUMA nodes (default: one node of 16 GiB). */
  nodes?: NodeConfig[];
  /** Number of CPUs, spread evenly over the nodes, or the node of each CPU (default 4). */
  cpus?: number | number[];
  /** Cost overrides (defaults: DEFAULT_COSTS). */
  costs?: Partial<CostModel>;
  /** TLB geometry, or false to turn the TLB model off (every access sets the Accessed bit). */
  tlb?: TlbConfig | false;
  /** Accesses per batch buffer of a thread (default 4096). */
  batchSize?: number;
  /**
   * Accesses a CPU runs on the shared access loops before it gets a compiled copy
   * of its own (cpu-loops.ts; default 16 M). Speed only: results are the same.
   */
  loopCopyAfter?: number;
  /**
   * Which access loop runs: "wasm" (the default; wasm-loops.ts) or "js"
   * (access-loop.ts, the reference). Where the WebAssembly memory cannot be made
   * (a process under `ulimit -v` below its 4 GiB reservation) "wasm" runs the
   * JavaScript loops. Speed only: results are the same.
   */
  loop?: "wasm" | "js";
  /**
   * With "wasm": run the loop's specialised copy that fits each CPU (default true;
   * wasm/loop-variants.ts), or false, the generic one everywhere (tests and
   * benches compare them). Speed only: results are the same.
   */
  wasmVariants?: boolean;
  /**
   * Limit of the WebAssembly loop's heap (sim-heap.ts; default and most 4 GiB).
   * Past it the machine runs the JavaScript loops. Tests set small ones.
   */
  heapMaxBytes?: number;
  /**
   * Flush each CPU's whole TLB every this many ns of its time (0 = never, the
   * default): what context switches to other processes or kernel entries
   * without PCID do on a real machine, disturbing cached translations.
   */
  tlbFlushEveryNs?: number;
  /**
   * TLB invalidation events (ticks, kernel entries under PTI, context switches):
   * tlb-events.ts. Default: none. Machine profiles (machine-profile.ts) set them.
   */
  tlbEvents?: TlbEventConfig;
  /** Swap device latencies (default zswap); explicit swapInNs/swapOutNs in `costs` win. */
  swap?: SwapDevice;
  /**
   * Per-node free-memory watermarks in permil of the node (defaults 4 / 6 / 8,
   * near the kernel's min_free_kbytes and watermark_scale_factor on a few GiB).
   * Below `low` on every node the background reclaimer (kswapd) frees up to
   * `high`; below `min` an allocation reclaims directly (and stalls).
   */
  wmarksPermil?: { min: number; low: number; high: number };
}

/** Counters of the memory-management additions (reclaim, swap, stalls). */
export class MemoryCounters {
  /** Pages written to swap (or dropped, when file-backed). */
  swapOuts = 0;
  /** Major faults that brought a page back. */
  swapIns = 0;
  /** Pages currently on the swap device. */
  swapUsedPages = 0;
  /** Pages reclaimed by kswapd, by direct reclaim, by DAMOS / madvise pageout. */
  kswapdReclaimed = 0;
  directReclaimed = 0;
  pageoutReclaimed = 0;
  /** Pages LRU-scanned by reclaim. */
  scanned = 0;
  kswapdRuns = 0;
  directReclaims = 0;
  /**
   * Total memory stall (PSI-like "some", µs × 1000): time tasks spent in major
   * faults and direct reclaim. Stalls of different CPUs add up (an upper bound
   * of the kernel's "some" time when they overlap).
   */
  stallNs = 0;
}
