/**
 * The simulated CPUs and threads: each CPU's clock, TLB and invalidation
 * counters; each thread's access stream, batch buffer and counters.
 */
import type { BatchFill } from "./batch-fill.js";
import type { CpuLoops } from "./cpu-loops.js";
import type { AddressSpace } from "./address-space.js";
import type { Tlb } from "./tlb.js";
import { VmaCache } from "./vma-cache.js";
import { PLAIN_ALLOC, type SimHeap } from "./sim-heap.js";

/**
 * A thread's access generator. The machine asks for a batch when the previous
 * one is used up; `nowNs` is the thread's CPU time then (phases are timed on it).
 */
export interface AccessStream {
  /**
   * Writes up to `addrs.length` accesses: virtual byte addresses into `addrs`,
   * 1 (write) or 0 (read) into `writes`. Returns how many. 0 means the thread
   * is finished if `finished` is true, else it sleeps until `resumeNs`. `batch`
   * writes runs of them faster than a loop here can (batch-fill.ts); the driver
   * passes the machine's.
   */
  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number, batch?: BatchFill): number;
  readonly finished: boolean;
  readonly resumeNs: number;
}

export class SimCpu {
  /** This CPU's virtual time (integer ns). */
  timeNs = 0;
  /** Time taken from this CPU by agents charging it (monitoring overhead). */
  stolenNs = 0;
  /** Time this CPU had nothing to run while its threads slept. */
  idleNs = 0;
  readonly threads: SimThread[] = [];
  /** Round-robin position among `threads`. */
  rr = 0;
  /** Next periodic whole-TLB flush (MachineOptions.tlbFlushEveryNs), Infinity = none. */
  nextTlbFlushNs = Infinity;
  /** Periodic whole-TLB flushes done. */
  tlbFlushes = 0;
  /** Next timer tick (MachineOptions.tlbEvents.hz), Infinity = none. */
  nextTickNs = Infinity;
  /** min(nextTlbFlushNs, nextTickNs): the access loop's time limit folds it in. */
  nextEventNs = Infinity;
  /** Address space whose translations this CPU last ran with (-1 = none yet). */
  lastAsid = -1;
  /** TLB invalidation events (tlb-events.ts): ticks, flushes by kernel entries, switches. */
  ticks = 0;
  entryFlushes = 0;
  switches = 0;
  switchFlushes = 0;
  /** Time the events cost this CPU (tick handlers, switches, shootdown IPIs received). */
  eventNs = 0;
  /** This CPU's compiled access loops and what they are bound to (cpu-loops.ts). */
  loops: CpuLoops | null = null;
  constructor(
    readonly id: number,
    readonly node: number,
    /** null when the TLB model is off. */
    readonly tlb: Tlb | null,
  ) {}
}

export class SimThread {
  /** Per-thread access buffer (reused batch). */
  readonly addrs: Float64Array;
  readonly writes: Uint8Array;
  /** Their byte offsets in the heap, or −1 (execAccesses passes them to the WebAssembly loop). */
  readonly addrsPtr: number;
  readonly writesPtr: number;
  pos = 0;
  len = 0;
  done = false;
  resumeNs = 0;
  /** Accesses completed. */
  accesses = 0;
  /** Time spent running accesses (incl. faults and TLB walks). */
  runNs = 0;
  minorFaults = 0;
  /** Faults that brought back a reclaimed page (swap-in). */
  majorFaults = 0;
  hintingFaults = 0;
  tlbMisses = 0;
  /** Accesses to addresses outside every VMA (counted and skipped: a segfault in real life). */
  invalidAccesses = 0;
  /** The last few page chunks it accessed, served by the access loops (vma-cache.ts). */
  readonly vmaCache: VmaCache;
  constructor(
    readonly tid: number,
    readonly as: AddressSpace,
    readonly cpu: SimCpu,
    readonly stream: AccessStream,
    readonly name: string,
    batchSize: number,
    /** The machine's heap (the buffers and cache tables go there for the WebAssembly loop), or null. */
    heap: SimHeap | null = null,
  ) {
    const alloc = heap ?? PLAIN_ALLOC;
    this.addrs = alloc.f64(batchSize);
    this.writes = alloc.u8(batchSize);
    this.addrsPtr = heap?.ptr(this.addrs) ?? -1;
    this.writesPtr = heap?.ptr(this.writes) ?? -1;
    this.vmaCache = new VmaCache(heap);
  }
}
