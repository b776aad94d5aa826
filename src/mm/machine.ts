/**
 * The simulated machine, as a state facade: NUMA nodes and frames, LRU lists,
 * CPUs with their clocks and TLBs, processes (address spaces) and their
 * threads. The behaviour lives in modules named for what it is, and the
 * methods here call them: access.ts (the per-access path and its fault paths),
 * page-idle.ts (Accessed-bit primitives and the reverse map, spec §5.2/§5.3),
 * reclaim.ts (allocation, kswapd, direct reclaim, swap), migrate.ts, thp.ts,
 * memcg.ts, tlb-invalidate.ts (TLB events, shootdowns, flushes) and
 * machine-stats.ts.
 */
import type { GroundTruth } from "../truth/ground-truth.js";
import * as access from "./access.js";
import {
  MemoryCounters,
  type AccessSampler,
  type HintingFaultHandler,
  type MachineOptions,
} from "./machine-options.js";
import { SimCpu, SimThread, type AccessStream } from "./sim-cpu.js";
import * as tlbInvalidate from "./tlb-invalidate.js";
import * as pageIdle from "./page-idle.js";
import * as thp from "./thp.js";
import * as migrate from "./migrate.js";
import * as reclaim from "./reclaim.js";
import * as memcg from "./memcg.js";
import * as machineStats from "./machine-stats.js";
import { AddressSpace } from "./address-space.js";
import { CostAccount, makeCostModel, SWAP_DEVICES, type CostModel } from "./cost-model.js";
import { LruLists } from "./lru.js";
import { FrameTable, type RamRange } from "./frames.js";
import { DEFAULT_TLB, Tlb } from "./tlb.js";
import {
  kernelEntryFlushes,
  NO_TLB_EVENTS,
  tickPeriodNs,
  validateTlbEvents,
  type TlbEventConfig,
} from "./tlb-events.js";
import { ST_SIZE } from "./access-loop.js";
import { PLAIN_ALLOC, makeSimHeap, type ArrayAlloc, type SimHeap } from "./sim-heap.js";
import { instantiateAccessLoop, type AccessLoopModule } from "./wasm-loops.js";
import { JS_BATCH_FILL, type BatchFill } from "./batch-fill.js";
import { LOOP_COPY_AFTER } from "./cpu-loops.js";
import { PAGE_SIZE, PTE_PRESENT, PTE_SWAPPED, type Vma, type VmaInfo } from "./vma.js";

export class Machine {
  readonly costs: CostModel;
  readonly frames: FrameTable;
  readonly cpus: SimCpu[];
  readonly threads: SimThread[] = [];
  /** Address spaces by asid (index). */
  readonly spaces: AddressSpace[] = [];
  readonly tlbOn: boolean;
  /** Period of each CPU's whole-TLB flush, 0 = never. */
  readonly tlbFlushEveryNs: number;
  /** TLB invalidation events (ticks, kernel entries, context switches; tlb-events.ts). */
  readonly tlbEvents: TlbEventConfig;
  // State below without a comment of its own is shared with the mm modules above, not for other layers.
  readonly tickPeriodNs: number;
  readonly entryFlushes: boolean;
  /**
   * The TLB blind spot (access-loop.ts ST_HIDDEN): page-samples whose cleared
   * Accessed bit stayed clear although the page was accessed (every access of it
   * in the sampling interval hit a cached translation), and page-samples whose
   * re-access after the clear loaded the translation and so set the bit.
   */
  hiddenPageSamples = 0;
  /** Shootdown IPIs received by CPUs that held a changed mapping (flushTlbPage, munmap, armRange). */
  shootdowns = 0;
  seenPageSamples = 0;
  /** Per-frame stamp for the blind-spot counters (grown with the frame table). */
  clrStamp: Int32Array;
  /**
   * The access path's arrays live here when the WebAssembly loop runs (sim-heap.ts);
   * null with MachineOptions.loop "js". `alloc` is the heap, or plain typed arrays.
   */
  readonly heap: SimHeap | null;
  readonly alloc: ArrayAlloc;
  /** The WebAssembly loops over `heap` (null: the JavaScript loops run). */
  readonly wasm: AccessLoopModule | null;
  /** What the driver hands each stream to write its batch with (batch-fill.ts). */
  readonly batchFill: BatchFill;
  /** Where execAccesses copies accesses that are not in the heap (access.ts heapCopy). */
  scratch: { addrs: Float64Array; writes: Uint8Array } | null = null;
  /** Access cost by [cpuNode * nrNodes + memNode]. */
  readonly latency: Float64Array;
  /** The default account DAMON's primitives charge (the kdamond). */
  readonly kdamondCost = new CostAccount("kdamond");
  /** The background reclaimer's account (a CPU of its own). */
  readonly kswapdCost = new CostAccount("kswapd");
  /** Active / inactive LRU lists of every node. */
  readonly lru: LruLists;
  readonly mem = new MemoryCounters();
  /** Free-memory watermarks per node, in frames. */
  readonly wmarkMin: number[];
  readonly wmarkLow: number[];
  readonly wmarkHigh: number[];
  /** Memory cgroups: path → id (the root, "/", is 1). */
  readonly memcgs = new Map<string, number>([["/", 1]]);
  /** Folio size found by the last youngVaddr/youngPaddr (the ops' same-folio cache needs it). */
  lastFolioBytes = PAGE_SIZE;
  /** Time of the event being handled (set by the driver before waking agents). */
  nowNs = 0;
  /** Armed pages restored with no handler installed. */
  silentRestores = 0;
  hintingHandler: HintingFaultHandler | null = null;
  /** The hardware access sampler, if one is attached (setAccessSampler). */
  sampler: AccessSampler | null = null;
  /** Accesses left until each CPU's next sample. */
  sampleLeft = new Float64Array(0);
  truth: GroundTruth | null = null;
  readonly byPid = new Map<number, AddressSpace>();
  readonly dead = new Set<number>();
  private nextPid = 1000;
  private readonly batchSize: number;
  /** MachineOptions.loopCopyAfter. */
  readonly loopCopyAfter: number;
  /** State array shared with the inner loops (access-loop.ts). */
  readonly st: Float64Array;

  constructor(opts: MachineOptions = {}) {
    const loop = opts.loop ?? "wasm";
    if (loop !== "wasm" && loop !== "js")
      throw new RangeError(`loop must be "wasm" or "js", got ${String(loop)}`);
    this.heap = loop === "wasm" ? makeSimHeap(opts.heapMaxBytes) : null;
    this.alloc = this.heap ?? PLAIN_ALLOC;
    this.wasm = this.heap !== null ? instantiateAccessLoop(this.heap, opts.wasmVariants ?? true) : null;
    this.batchFill = this.wasm?.batchFill ?? JS_BATCH_FILL;
    this.st = this.alloc.f64(ST_SIZE);
    this.clrStamp = this.alloc.i32(0);
    const dev = opts.swap ?? "zswap";
    if (!(dev in SWAP_DEVICES)) throw new RangeError(`unknown swap device '${dev}' (zswap, disk)`);
    this.costs = makeCostModel({ ...SWAP_DEVICES[dev], ...opts.costs });
    const nodes = opts.nodes ?? [{ sizeBytes: 16 * 2 ** 30 }];
    this.frames = new FrameTable(nodes, this.alloc);
    this.lru = new LruLists(this.frames);
    const wm = opts.wmarksPermil ?? { min: 4, low: 6, high: 8 };
    if (!(wm.min >= 0 && wm.min <= wm.low && wm.low <= wm.high && wm.high < 1000))
      throw new RangeError(
        `watermarks must satisfy 0 <= min <= low <= high < 1000 (permil), got ${JSON.stringify(wm)}`,
      );
    const at = (pm: number) => this.frames.nodeTotalFrames.map((t) => Math.floor((t * pm) / 1000));
    this.wmarkMin = at(wm.min);
    this.wmarkLow = at(wm.low);
    this.wmarkHigh = at(wm.high);
    const nn = nodes.length;
    const nCpus = typeof opts.cpus === "number" ? opts.cpus : 4;
    const cpuNodes = Array.isArray(opts.cpus)
      ? opts.cpus
      : Array.from({ length: nCpus }, (_, i) => Math.floor((i * nn) / nCpus));
    if (cpuNodes.length === 0) throw new RangeError("a machine needs at least one CPU");
    for (const n of cpuNodes) {
      if (!Number.isInteger(n) || n < 0 || n >= nn) throw new RangeError(`CPU node ${n} does not exist`);
    }
    this.tlbOn = opts.tlb !== false;
    const tlbCfg = opts.tlb === false ? null : (opts.tlb ?? DEFAULT_TLB);
    this.cpus = cpuNodes.map((n, i) => new SimCpu(i, n, tlbCfg ? new Tlb(tlbCfg, this.alloc) : null));
    const every = opts.tlbFlushEveryNs ?? 0;
    if (!(every >= 0)) throw new RangeError(`tlbFlushEveryNs must be >= 0, got ${every}`);
    this.tlbFlushEveryNs = tlbCfg ? every : 0;
    if (this.tlbFlushEveryNs > 0) for (const c of this.cpus) c.nextTlbFlushNs = this.tlbFlushEveryNs;
    this.tlbEvents = { ...(opts.tlbEvents ?? NO_TLB_EVENTS) };
    validateTlbEvents(this.tlbEvents);
    this.tickPeriodNs = tlbCfg ? tickPeriodNs(this.tlbEvents) : Infinity;
    this.entryFlushes = tlbCfg !== null && kernelEntryFlushes(this.tlbEvents);
    for (const c of this.cpus) {
      c.nextTickNs = this.tickPeriodNs;
      c.nextEventNs = Math.min(c.nextTlbFlushNs, c.nextTickNs);
    }
    this.latency = this.alloc.f64(nn * nn);
    for (let c = 0; c < nn; c++) {
      for (let m = 0; m < nn; m++) {
        const base = nodes[m].accessNs ?? this.costs.localAccessNs;
        this.latency[c * nn + m] = base + (c === m ? 0 : this.costs.remoteAccessExtraNs);
      }
    }
    this.batchSize = opts.batchSize ?? 4096;
    this.loopCopyAfter = opts.loopCopyAfter ?? LOOP_COPY_AFTER;
  }

  get nrNodes(): number {
    return this.frames.nrNodes;
  }

  // ---------------------------------------------------------------- processes

  /** Creates a process with the standard layout (binary, libraries, stack). */
  createProcess(comm = "app"): AddressSpace {
    const asid = this.spaces.length;
    const as = new AddressSpace(
      asid,
      this.nextPid++,
      comm,
      (s, v, a, b) => this.releasePages(s, v, a, b),
      this.alloc,
    );
    this.spaces.push(as);
    this.byPid.set(as.pid, as);
    return as;
  }

  /** The address space of `pid`; throws if there is none. */
  process(pid: number): AddressSpace {
    const as = this.byPid.get(pid);
    if (!as) throw new RangeError(`no process with pid ${pid}`);
    return as;
  }

  /** Whether `pid` exists and has not exited (the vaddr ops' target_valid). */
  isAlive(pid: number): boolean {
    return this.byPid.has(pid) && !this.dead.has(pid);
  }

  /** Process exit: unmaps everything and stops its threads. */
  exitProcess(pid: number): void {
    const as = this.process(pid);
    for (const v of [...as.vmas]) as.munmap(v.start, v.end - v.start);
    for (const t of this.threads) if (t.as === as) t.done = true;
    this.dead.add(pid);
  }

  /** Sorted VMAs of `pid` (empty after exit). */
  vmas(pid: number): VmaInfo[] {
    return this.process(pid).vmaInfos();
  }

  /** System RAM resources, sorted by address (paddr's default target, spec §1.10). */
  systemRamRanges(): RamRange[] {
    return this.frames.ranges.map((r) => ({ ...r }));
  }

  /** A thread of `as` pinned to CPU `cpu`, fed by `stream`. */
  spawnThread(as: AddressSpace, cpu: number, stream: AccessStream, name = as.comm): SimThread {
    const c = this.cpus[cpu];
    if (!c) throw new RangeError(`CPU ${cpu} does not exist (machine has ${this.cpus.length})`);
    const t = new SimThread(this.threads.length, as, c, stream, name, this.batchSize, this.heap);
    this.threads.push(t);
    c.threads.push(t);
    return t;
  }

  /** Physical address backing `vaddr` of `pid`, or -1 if not present. */
  translate(pid: number, vaddr: number): number {
    const as = this.byPid.get(pid);
    const v = as?.vmaAt(vaddr);
    if (!v) return -1;
    const i = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    if (!(v.flagAt(i) & PTE_PRESENT)) return -1;
    return v.frameAt(i) * PAGE_SIZE + (vaddr % PAGE_SIZE);
  }

  /** The PTE flag byte of `vaddr` (0 when unmapped or never touched). */
  pteFlags(pid: number, vaddr: number): number {
    const v = this.byPid.get(pid)?.vmaAt(vaddr);
    if (!v) return 0;
    return v.flagAt(Math.floor(vaddr / PAGE_SIZE) - v.startPage);
  }

  /** Attaches the ground-truth recorder (fed from the access path from now on). */
  attachTruth(truth: GroundTruth): void {
    this.truth = truth;
    truth.bind((asid) => this.spaces[asid].pid, this.frames.capacity, this.alloc);
    this.frames.onGrow = (cap) => truth.ensureCapacity(cap);
    this.frames.onFree = (pfn) => truth.frameFreed(pfn);
  }

  // -------------------------------------------------------------- access path

  /** Runs a hand-made access sequence on `th` now (tests, traces). */
  runAccesses(th: SimThread, addrs: ArrayLike<number>, writes?: ArrayLike<number>): void {
    const a = Float64Array.from(addrs);
    const w = new Uint8Array(a.length);
    if (writes) for (let i = 0; i < a.length; i++) w[i] = writes[i] ? 1 : 0; // the loops need exactly 0/1
    this.exec(th, a, w, 0, a.length);
  }

  /** munmap/brk shrink/exit: free the frames of pages [a, b) and drop their translations. */
  private releasePages(as: AddressSpace, v: Vma, a: number, b: number): void {
    // Only touched chunks hold state: a huge untouched range costs nothing.
    for (const c of v.chunksIn(a, b)) {
      const flags = c.flags;
      const end = Math.min(b, c.endPage) - c.startPage;
      for (let i = Math.max(a, c.startPage) - c.startPage; i < end; i++) {
        if (flags[i] & PTE_PRESENT) {
          this.lru.remove(c.frames[i]);
          this.frames.free(c.frames[i]);
          v.residentPages--;
        } else if (flags[i] & PTE_SWAPPED) {
          this.mem.swapUsedPages--;
        }
        flags[i] = 0;
        if (c.owners !== null) c.owners[i] = 0;
      }
    }
    as.upper.release(a, b);
    // Like Linux's tlb_single_page_flush_ceiling: big ranges flush the whole mm.
    // Every CPU that held a translation of the range takes a shootdown (the address
    // space does not know which CPU called munmap, so none is counted as local).
    for (const c of this.cpus) {
      if (c.tlb === null) continue;
      let had = 0;
      if (b - a > 33) had = c.tlb.flushAll(as.asid);
      else for (let p = a; p < b; p++) if (c.tlb.flushPage(as.asid, p)) had++;
      if (had > 0) {
        this.shootdowns++;
        this.shootdownReceived(c);
      }
    }
  }

  // --------------------------------------------------------- ops primitives

  /** Attaches (or with null detaches) the hardware access sampler; every CPU starts a full period away. */
  setAccessSampler(s: AccessSampler | null): void {
    if (s !== null && !(Number.isInteger(s.period) && s.period >= 1))
      throw new RangeError(`sample period must be a positive integer, got ${s.period}`);
    this.sampler = s;
    this.sampleLeft = new Float64Array(this.cpus.length).fill(s?.period ?? 0);
  }

  /** Adds `ns` to `acct`, and steals it from the account's CPU if it has one. */
  charge(acct: CostAccount, ns: number): void {
    acct.ns += ns;
    if (acct.cpu >= 0) {
      const c = this.cpus[acct.cpu];
      c.timeNs += ns;
      c.stolenNs += ns;
    }
  }

  // ------------------------------------------------- memory management

  /** Free frames of `node`. */
  nodeFreeFrames(node: number): number {
    return this.frames.nodeFreeFrames[node];
  }

  /** Frames of `node`. */
  nodeTotalFrames(node: number): number {
    return this.frames.nodeTotalFrames[node];
  }

  /** Whether `vaddr` of `pid` is in a file-backed mapping. */
  isFileBacked(pid: number, vaddr: number): boolean {
    return this.byPid.get(pid)?.vmaAt(vaddr)?.fileBacked ?? false;
  }

  // ---------------------------------------------------------------- stats

  /** Total application time: the sum over threads of the time they spent running accesses. */
  appTimeNs(): number {
    let s = 0;
    for (const t of this.threads) s += t.runNs;
    return s;
  }

  /** Total application accesses. */
  totalAccesses(): number {
    let s = 0;
    for (const t of this.threads) s += t.accesses;
    return s;
  }

  // ------------------------------------------- behaviour (in the mm modules named below)

  /** Runs accesses `a[i..n)` (writes `w`) of `th` until `limitNs`: execAccesses in access.ts. */
  exec(th: SimThread, a: Float64Array, w: Uint8Array, i: number, n: number, limitNs = Infinity): number {
    return access.execAccesses(this, th, a, w, i, n, limitNs);
  }

  /** cpuIdled in tlb-invalidate.ts. */
  cpuIdled(cpu: SimCpu): void {
    return tlbInvalidate.cpuIdled(this, cpu);
  }

  /** shootdownReceived in tlb-invalidate.ts. */
  shootdownReceived(cpu: SimCpu): void {
    return tlbInvalidate.shootdownReceived(this, cpu);
  }

  /** flushTlbPage in tlb-invalidate.ts. */
  flushTlbPage(pid: number, addr: number, acct: CostAccount = this.kdamondCost): number {
    return tlbInvalidate.flushTlbPage(this, pid, addr, acct);
  }

  /** flushTlbAll in tlb-invalidate.ts. */
  flushTlbAll(cpu?: number): void {
    return tlbInvalidate.flushTlbAll(this, cpu);
  }

  /** frameOf in page-idle.ts. */
  frameOf(pid: number, vaddr: number): number {
    return pageIdle.frameOf(this, pid, vaddr);
  }

  /** mkoldVaddr in page-idle.ts. */
  mkoldVaddr(pid: number, addr: number, acct: CostAccount = this.kdamondCost, flush = false): void {
    return pageIdle.mkoldVaddr(this, pid, addr, acct, flush);
  }

  /** youngVaddr in page-idle.ts. */
  youngVaddr(pid: number, addr: number, acct: CostAccount = this.kdamondCost): boolean {
    return pageIdle.youngVaddr(this, pid, addr, acct);
  }

  /** mkoldPaddr in page-idle.ts. */
  mkoldPaddr(paddr: number, acct: CostAccount = this.kdamondCost): void {
    return pageIdle.mkoldPaddr(this, paddr, acct);
  }

  /** youngPaddr in page-idle.ts. */
  youngPaddr(paddr: number, acct: CostAccount = this.kdamondCost): boolean {
    return pageIdle.youngPaddr(this, paddr, acct);
  }

  /** rmapOf in page-idle.ts. */
  rmapOf(pfn: number, acct: CostAccount = this.kdamondCost): { pid: number; vaddr: number } | null {
    return pageIdle.rmapOf(this, pfn, acct);
  }

  /** testClearReferenced in page-idle.ts. */
  testClearReferenced(pfn: number, acct: CostAccount = this.kdamondCost): boolean {
    return pageIdle.testClearReferenced(this, pfn, acct);
  }

  /** madviseHugepage in thp.ts. */
  madviseHugepage(pid: number, start: number, end: number, on: boolean): boolean {
    return thp.madviseHugepage(this, pid, start, end, on);
  }

  /** folioBytes in thp.ts. */
  folioBytes(pfn: number): number {
    return thp.folioBytes(this, pfn);
  }

  /** migratePage in migrate.ts. */
  migratePage(pid: number, vaddr: number, node: number, acct: CostAccount = this.kdamondCost): boolean {
    return migrate.migratePage(this, pid, vaddr, node, acct);
  }

  /** freeMemRatePermil in reclaim.ts. */
  freeMemRatePermil(): number {
    return reclaim.freeMemRatePermil(this);
  }

  /** shrinkNode in reclaim.ts. */
  shrinkNode(node: number, nrToFree: number, acct: CostAccount): number {
    return reclaim.shrinkNode(this, node, nrToFree, acct);
  }

  /** evictFrame in reclaim.ts. */
  evictFrame(pfn: number, acct: CostAccount = this.kdamondCost): boolean {
    return reclaim.evictFrame(this, pfn, acct);
  }

  /** pageoutVaddr in reclaim.ts. */
  pageoutVaddr(pid: number, vaddr: number, acct: CostAccount = this.kdamondCost): boolean {
    return reclaim.pageoutVaddr(this, pid, vaddr, acct);
  }

  /** swapInVaddr in reclaim.ts. */
  swapInVaddr(pid: number, vaddr: number, acct: CostAccount = this.kdamondCost): boolean {
    return reclaim.swapInVaddr(this, pid, vaddr, acct);
  }

  /** setLruActive in reclaim.ts. */
  setLruActive(pfn: number, active: boolean, acct: CostAccount = this.kdamondCost): boolean {
    return reclaim.setLruActive(this, pfn, active, acct);
  }

  /** memcgId in memcg.ts. */
  memcgId(path: string, create = false): number {
    return memcg.memcgId(this, path, create);
  }

  /** setMemcg in memcg.ts. */
  setMemcg(pid: number, path: string): number {
    return memcg.setMemcg(this, pid, path);
  }

  /** memcgOfFrame in memcg.ts. */
  memcgOfFrame(pfn: number): number {
    return memcg.memcgOfFrame(this, pfn);
  }

  /** memcgNodePages in memcg.ts. */
  memcgNodePages(id: number, node: number): number {
    return memcg.memcgNodePages(this, id, node);
  }

  /** stats in machine-stats.ts. */
  stats(): MachineStats {
    return machineStats.stats(this);
  }
}

import type { MachineStats } from "./machine-stats.js";
export type { MachineStats };
export { MemoryCounters, SimCpu, SimThread };
export type { AccessSampler, AccessStream, HintingFaultHandler, MachineOptions };
