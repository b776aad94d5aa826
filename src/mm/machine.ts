/**
 * The simulated machine: NUMA nodes and frames, CPUs with their clocks and
 * TLBs, processes and their threads, the per-access path, and the primitives
 * the operation sets call (spec §5.2/§5.3). The access path touches typed
 * arrays only (no allocation, closure or Map per access); everything else
 * (faults, layout changes, DAMON's checks) is off that path.
 */
import type { GroundTruth } from "../truth/ground-truth.js";
import { AddressSpace } from "./address-space.js";
import { CostAccount, makeCostModel, SWAP_DEVICES, type CostModel, type SwapDevice } from "./cost-model.js";
import { LruLists } from "./lru.js";
import {
  FRAME_ACTIVE,
  FRAME_ALLOCATED,
  FRAME_IDLE,
  FRAME_LRU,
  FRAME_THP,
  FRAME_YOUNG,
  FrameTable,
  type NodeConfig,
  type RamRange,
} from "./frames.js";
import { ASID_TAG_SCALE, DEFAULT_TLB, Tlb, type TlbConfig } from "./tlb.js";
import {
  kernelEntryFlushes,
  NO_TLB_EVENTS,
  tickPeriodNs,
  validateTlbEvents,
  type TlbEventConfig,
} from "./tlb-events.js";
import {
  EXIT_END,
  EXIT_SLOW,
  EXIT_TIME,
  EXIT_VMA,
  loopNoTlb,
  loopTlb,
  ST_DONE,
  ST_EXIT,
  ST_HIDDEN,
  ST_HITS,
  ST_LAST_TAG,
  ST_MISSES,
  ST_PFN,
  ST_SEEN,
  ST_SIZE,
  ST_TIME,
  ST_VPN,
} from "./access-loop.js";
import {
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_ARMED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SWAPPED,
  PTE_THP_ADVISED,
  THP_PAGES,
  type Vma,
  type VmaInfo,
} from "./vma.js";

/**
 * A thread's access generator. The machine asks for a batch when the previous
 * one is used up; `nowNs` is the thread's CPU time then (phases are timed on it).
 */
export interface AccessStream {
  /**
   * Writes up to `addrs.length` accesses: virtual byte addresses into `addrs`,
   * 1 (write) or 0 (read) into `writes`. Returns how many. 0 means the thread
   * is finished if `finished` is true, else it sleeps until `resumeNs`.
   */
  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number): number;
  readonly finished: boolean;
  readonly resumeNs: number;
}

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
  /** Cached VMA of the last access and the layout generation it is valid for. */
  cacheVma: Vma | null = null;
  cacheGen = -1;
  constructor(
    readonly tid: number,
    readonly as: AddressSpace,
    readonly cpu: SimCpu,
    readonly stream: AccessStream,
    readonly name: string,
    batchSize: number,
  ) {
    this.addrs = new Float64Array(batchSize);
    this.writes = new Uint8Array(batchSize);
  }
}

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U16 = new Uint16Array(0);
const EMPTY_F64 = new Float64Array(0);

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
  private readonly tickPeriodNs: number;
  private readonly entryFlushes: boolean;
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
  private clrStamp = new Int32Array(0);
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
  private readonly memcgs = new Map<string, number>([["/", 1]]);
  /** Folio size found by the last youngVaddr/youngPaddr (the ops' same-folio cache needs it). */
  lastFolioBytes = PAGE_SIZE;
  /** Time of the event being handled (set by the driver before waking agents). */
  nowNs = 0;
  /** Armed pages restored with no handler installed. */
  silentRestores = 0;
  hintingHandler: HintingFaultHandler | null = null;
  /** The hardware access sampler, if one is attached (setAccessSampler). */
  private sampler: AccessSampler | null = null;
  /** Accesses left until each CPU's next sample. */
  private sampleLeft = new Float64Array(0);
  truth: GroundTruth | null = null;
  private readonly byPid = new Map<number, AddressSpace>();
  private readonly dead = new Set<number>();
  private nextPid = 1000;
  private readonly batchSize: number;
  /** State array shared with the inner loops (access-loop.ts). */
  private readonly st = new Float64Array(ST_SIZE);

  constructor(opts: MachineOptions = {}) {
    const dev = opts.swap ?? "zswap";
    if (!(dev in SWAP_DEVICES)) throw new RangeError(`unknown swap device '${dev}' (zswap, disk)`);
    this.costs = makeCostModel({ ...SWAP_DEVICES[dev], ...opts.costs });
    const nodes = opts.nodes ?? [{ sizeBytes: 16 * 2 ** 30 }];
    this.frames = new FrameTable(nodes);
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
    this.cpus = cpuNodes.map((n, i) => new SimCpu(i, n, tlbCfg ? new Tlb(tlbCfg) : null));
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
    this.latency = new Float64Array(nn * nn);
    for (let c = 0; c < nn; c++) {
      for (let m = 0; m < nn; m++) {
        const base = nodes[m].accessNs ?? this.costs.localAccessNs;
        this.latency[c * nn + m] = base + (c === m ? 0 : this.costs.remoteAccessExtraNs);
      }
    }
    this.batchSize = opts.batchSize ?? 4096;
  }

  get nrNodes(): number {
    return this.frames.nrNodes;
  }

  // ---------------------------------------------------------------- processes

  /** Creates a process with the standard layout (binary, libraries, stack). */
  createProcess(comm = "app"): AddressSpace {
    const asid = this.spaces.length;
    const as = new AddressSpace(asid, this.nextPid++, comm, (s, v, a, b) => this.releasePages(s, v, a, b));
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
    const t = new SimThread(this.threads.length, as, c, stream, name, this.batchSize);
    this.threads.push(t);
    c.threads.push(t);
    return t;
  }

  /** Physical address backing `vaddr` of `pid`, or -1 if not present. */
  translate(pid: number, vaddr: number): number {
    const as = this.byPid.get(pid);
    const v = as?.vmaAt(vaddr);
    if (!v || v.flags === null) return -1;
    const i = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    if (!(v.flags[i] & PTE_PRESENT)) return -1;
    return v.frames![i] * PAGE_SIZE + (vaddr % PAGE_SIZE);
  }

  /** The PTE flag byte of `vaddr` (0 when unmapped or never touched). */
  pteFlags(pid: number, vaddr: number): number {
    const v = this.byPid.get(pid)?.vmaAt(vaddr);
    if (!v || v.flags === null) return 0;
    return v.flags[Math.floor(vaddr / PAGE_SIZE) - v.startPage];
  }

  /** Attaches the ground-truth recorder (fed from the access path from now on). */
  attachTruth(truth: GroundTruth): void {
    this.truth = truth;
    truth.bind((asid) => this.spaces[asid].pid, this.frames.capacity);
    this.frames.onGrow = (cap) => truth.ensureCapacity(cap);
    this.frames.onFree = (pfn) => truth.frameFreed(pfn);
  }

  // -------------------------------------------------------------- access path

  /**
   * Runs `addrs[i..n)` on thread `th`'s CPU until its clock reaches `limitNs`;
   * returns the index of the first access not run. The driver calls this with
   * the thread's own buffer; tests call it with hand-made sequences. `writes`
   * must hold exactly 0 or 1 per access.
   */
  exec(
    th: SimThread,
    addrs: Float64Array,
    writes: Uint8Array,
    i: number,
    n: number,
    limitNs = Infinity,
  ): number {
    const cpu = th.cpu;
    const as = th.as;
    const st = this.st;
    const latBase = cpu.node * this.frames.nrNodes;
    const tlb = cpu.tlb;
    if (tlb !== null) {
      if (cpu.lastAsid !== as.asid) cpu.timeNs += this.contextSwitch(cpu, as.asid);
      if (cpu.timeNs >= cpu.nextEventNs) cpu.timeNs += this.tlbEventsDue(cpu, cpu.timeNs);
      if (this.clrStamp.length < this.frames.capacity) this.growClrStamp();
    }
    const t0 = cpu.timeNs;
    st[ST_TIME] = t0;
    st[ST_DONE] = 0;
    st[ST_HITS] = 0;
    st[ST_MISSES] = 0;
    st[ST_HIDDEN] = 0;
    st[ST_SEEN] = 0;
    // The loops stop at the CPU's next TLB event as at the end of its slice (no per-access test).
    let lim = Math.min(limitNs, cpu.nextEventNs);
    // No previous tag at the start of a call: the first access of each page in a call
    // takes the checked path, where the blind-spot counters look (access-loop.ts).
    if (tlb !== null) st[ST_LAST_TAG] = -1;
    if (th.cacheGen !== as.layoutGen) {
      th.cacheVma = null;
      th.cacheGen = as.layoutGen;
    }
    let vma = th.cacheVma;
    const truth = this.truth;
    const truthOn = truth !== null;
    const asidTag = as.asid * ASID_TAG_SCALE;
    const asidHash = Math.imul(as.asid, 0x9e3779b1);
    let invalid = 0;

    const sampler = this.sampler;
    let left = sampler !== null ? this.sampleLeft[cpu.id] : Infinity;
    while (i < n) {
      const stop = sampler !== null ? Math.min(n, i + left) : n;
      const before = i;
      const flags = vma !== null ? vma.flags! : EMPTY_U8;
      const frames = vma !== null ? vma.frames! : EMPTY_I32;
      const vs = vma !== null ? vma.startPage : 0;
      const ve = vma !== null ? vma.endPage : 0;
      const tS = truthOn ? truth.sampleStamp : EMPTY_I32;
      const tW = truthOn ? truth.winStamp : EMPTY_I32;
      const tP = truthOn ? truth.positive : EMPTY_U16;
      const tC = truthOn ? truth.count : EMPTY_F64;
      const curS = truthOn ? truth.curSample : 0;
      const curW = truthOn ? truth.curWin : 0;
      const logSamples = truthOn && truth.logSamples;
      i =
        tlb === null
          ? loopNoTlb(
              addrs,
              writes,
              i,
              stop,
              limitNs,
              flags,
              frames,
              vs,
              ve,
              this.frames.node,
              this.latency,
              latBase,
              truthOn,
              tS,
              tW,
              tP,
              tC,
              curS,
              curW,
              logSamples,
              st,
            )
          : loopTlb(
              addrs,
              writes,
              i,
              stop,
              lim,
              flags,
              frames,
              vs,
              ve,
              this.frames.node,
              this.latency,
              latBase,
              truthOn,
              tS,
              tW,
              tP,
              tC,
              curS,
              curW,
              logSamples,
              st,
              tlb.tags,
              tlb.state,
              tlb.headOff,
              tlb.ways,
              tlb.setMask,
              asidTag,
              asidHash,
              this.costs.tlbMissWalkNs,
              tlb.hintOff,
              tlb.hintMask,
              this.clrStamp,
              curS * 2 + 2,
            );
      if (sampler !== null) {
        left -= i - before;
        if (left === 0) {
          left = sampler.period;
          // The access at i − 1 just completed inside `vma`.
          st[ST_TIME] += sampler.sample(th, vma!, addrs[i - 1], writes[i - 1] !== 0, st[ST_TIME]);
        }
      }
      const exit = st[ST_EXIT];
      if (exit === EXIT_TIME) {
        if (st[ST_TIME] >= limitNs) break;
        // A TLB event is due (tick, periodic flush): fire it and go on.
        tlb!.lastTag = st[ST_LAST_TAG];
        st[ST_TIME] += this.tlbEventsDue(cpu, st[ST_TIME]);
        st[ST_LAST_TAG] = tlb!.lastTag;
        lim = Math.min(limitNs, cpu.nextEventNs);
        continue;
      }
      if (exit === EXIT_END) {
        if (i >= n) break;
        continue;
      }
      const vpn = st[ST_VPN];
      if (exit === EXIT_VMA) {
        vma = as.findVma(vpn);
        if (vma === null) {
          invalid++;
          i++;
        } else {
          vma.ensureArrays();
        }
      } else if (exit === EXIT_SLOW) {
        if (tlb !== null) tlb.lastTag = st[ST_LAST_TAG];
        st[ST_TIME] += this.slowPath(th, vma!, vpn - vma!.startPage, vpn, writes[i] !== 0, st[ST_TIME]);
        if (tlb !== null) st[ST_LAST_TAG] = tlb.lastTag;
      } else {
        truth!.touchSlow(st[ST_PFN], as.asid, vpn);
      }
    }

    if (sampler !== null) this.sampleLeft[cpu.id] = left;
    const t = st[ST_TIME];
    const misses = st[ST_MISSES];
    if (tlb !== null) {
      tlb.lastTag = st[ST_LAST_TAG];
      tlb.hits += st[ST_HITS];
      tlb.misses += misses;
      this.hiddenPageSamples += st[ST_HIDDEN];
      this.seenPageSamples += st[ST_SEEN];
    }
    th.cacheVma = vma;
    th.accesses += st[ST_DONE];
    th.invalidAccesses += invalid;
    th.tlbMisses += misses;
    th.runNs += t - t0;
    cpu.timeNs = t;
    return i;
  }

  /**
   * Fires the TLB events due on `cpu` at time `t` (periodic flush, timer tick) and
   * schedules the next ones; returns their cost in ns. A tick is a kernel entry: under
   * PTI without PCID it drops every user translation of the CPU. Ticks missed while
   * the CPU was idle (NO_HZ) count once.
   */
  private tlbEventsDue(cpu: SimCpu, t: number): number {
    const tlb = cpu.tlb!;
    let cost = 0;
    if (t >= cpu.nextTlbFlushNs) {
      // Periodic flush (MachineOptions.tlbFlushEveryNs).
      tlb.flushAll();
      cpu.tlbFlushes++;
      const every = this.tlbFlushEveryNs;
      cpu.nextTlbFlushNs += Math.max(1, Math.floor((t - cpu.nextTlbFlushNs) / every) + 1) * every;
    }
    if (t >= cpu.nextTickNs) {
      const p = this.tickPeriodNs;
      cpu.ticks++;
      cost += this.tlbEvents.tickNs;
      if (this.entryFlushes) {
        tlb.flushAll();
        cpu.entryFlushes++;
      }
      cpu.nextTickNs += (Math.floor((t - cpu.nextTickNs) / p) + 1) * p;
    }
    cpu.nextEventNs = Math.min(cpu.nextTlbFlushNs, cpu.nextTickNs);
    cpu.eventNs += cost;
    return cost;
  }

  /** `cpu` starts running address space `asid`: a CR3 switch, which flushes without PCID. Returns the cost. */
  private contextSwitch(cpu: SimCpu, asid: number): number {
    const first = cpu.lastAsid < 0;
    cpu.lastAsid = asid;
    if (first) return 0;
    cpu.switches++;
    if (!this.tlbEvents.pcid) {
      cpu.tlb!.flushAll();
      cpu.switchFlushes++;
    }
    const cost = this.tlbEvents.kernelEntryNs;
    cpu.eventNs += cost;
    return cost;
  }

  /**
   * The driver found every thread of `cpu` asleep and moved its clock on: the CPU
   * idled. Idle is lazy (no CR3 switch), but the wake-up is a kernel entry, so under
   * PTI without PCID the user translations are gone when a thread runs again.
   */
  cpuIdled(cpu: SimCpu): void {
    if (cpu.tlb === null || !this.entryFlushes) return;
    cpu.tlb.flushAll();
    cpu.entryFlushes++;
  }

  /**
   * A shootdown IPI reached `cpu` (another CPU changed a mapping it had cached). The
   * handler is a kernel entry: under PTI without PCID it also drops every other user
   * translation of the CPU. Its cost goes to that CPU's clock.
   */
  shootdownReceived(cpu: SimCpu): void {
    if (cpu.tlb === null) return;
    if (this.entryFlushes) {
      cpu.tlb.flushAll();
      cpu.entryFlushes++;
    }
    const cost = this.tlbEvents.kernelEntryNs;
    cpu.timeNs += cost;
    cpu.eventNs += cost;
  }

  private growClrStamp(): void {
    const a = new Int32Array(this.frames.capacity);
    a.set(this.clrStamp);
    this.clrStamp = a;
  }

  /** Runs a hand-made access sequence on `th` now (tests, traces). */
  runAccesses(th: SimThread, addrs: ArrayLike<number>, writes?: ArrayLike<number>): void {
    const a = Float64Array.from(addrs);
    const w = new Uint8Array(a.length);
    if (writes) for (let i = 0; i < a.length; i++) w[i] = writes[i] ? 1 : 0; // the loops need exactly 0/1
    this.exec(th, a, w, 0, a.length);
  }

  /** Not present (first touch) or armed: the fault paths. Returns the cost in ns. */
  private slowPath(
    th: SimThread,
    vma: Vma,
    idx: number,
    vpn: number,
    isWrite: boolean,
    nowNs: number,
  ): number {
    const flags = vma.flags!;
    let cost = 0;
    if (!(flags[idx] & PTE_PRESENT) && flags[idx] & PTE_THP_ADVISED && this.hugeFault(th, vma, vpn, nowNs)) {
      th.minorFaults++;
      cost += this.costs.hugeFaultNs;
    }
    if (!(flags[idx] & PTE_PRESENT)) {
      const node = vma.policyNode >= 0 ? vma.policyNode : th.cpu.node;
      const swapped = (flags[idx] & PTE_SWAPPED) !== 0;
      const got = this.allocFrame(node, nowNs);
      const pfn = got.pfn;
      cost += got.stallNs;
      if (pfn < 0) {
        throw new Error(
          `simulated machine out of memory (no free frame on any node, nothing reclaimable) at 0x${(vpn * PAGE_SIZE).toString(16)}`,
        );
      }
      this.frames.rmapAsid[pfn] = th.as.asid + 1;
      this.frames.rmapVpn[pfn] = vpn;
      vma.frames![idx] = pfn;
      flags[idx] = (flags[idx] & ~(PTE_ACCESSED | PTE_DIRTY | PTE_SWAPPED)) | PTE_PRESENT;
      vma.residentPages++;
      this.lru.add(pfn, false);
      if (swapped) {
        // Major fault: the page comes back from the swap device (or the file).
        const ns = this.costs.majorFaultNs + this.costs.swapInNs;
        th.majorFaults++;
        this.mem.swapIns++;
        this.mem.swapUsedPages--;
        this.mem.stallNs += ns;
        cost += ns;
      } else {
        th.minorFaults++;
        cost += this.costs.minorFaultNs;
      }
    }
    if (flags[idx] & PTE_ARMED) {
      th.hintingFaults++;
      if (this.hintingHandler !== null) {
        cost += this.hintingHandler(th, vma, idx, vpn * PAGE_SIZE, isWrite, nowNs + cost);
      }
      if (flags[idx] & PTE_ARMED) {
        // No owner took it: restore silently so the page cannot stay armed forever.
        flags[idx] &= ~PTE_ARMED;
        if (vma.owners !== null) vma.owners[idx] = 0;
        this.silentRestores++;
      }
    }
    return cost;
  }

  /**
   * THP fault: maps the whole 2 MiB block around `vpn` when it lies in the VMA,
   * is advised throughout and has no page present or swapped. Untouched pages of
   * the block are resident too: the memory a partly used huge page wastes.
   */
  private hugeFault(th: SimThread, vma: Vma, vpn: number, nowNs: number): boolean {
    const head = vpn - (vpn % THP_PAGES);
    if (head < vma.startPage || head + THP_PAGES > vma.endPage) return false;
    const flags = vma.flags!;
    const h = head - vma.startPage;
    for (let i = h; i < h + THP_PAGES; i++) {
      if ((flags[i] & (PTE_PRESENT | PTE_SWAPPED | PTE_THP_ADVISED)) !== PTE_THP_ADVISED) return false;
    }
    let free = 0;
    for (let n = 0; n < this.nrNodes; n++)
      free += Math.max(0, this.frames.nodeFreeFrames[n] - this.wmarkLow[n]);
    if (free < THP_PAGES) return false; // no huge page without reclaim: fall back to 4 KiB
    const node = vma.policyNode >= 0 ? vma.policyNode : th.cpu.node;
    for (let i = h; i < h + THP_PAGES; i++) {
      const pfn = this.allocFrame(node, nowNs).pfn;
      if (pfn < 0) return i > h;
      this.frames.rmapAsid[pfn] = th.as.asid + 1;
      this.frames.rmapVpn[pfn] = vma.startPage + i;
      this.frames.flags[pfn] |= FRAME_THP;
      vma.frames![i] = pfn;
      flags[i] = (flags[i] & ~(PTE_ACCESSED | PTE_DIRTY)) | PTE_PRESENT;
      vma.residentPages++;
      this.lru.add(pfn, false);
    }
    return true;
  }

  /**
   * MADV_HUGEPAGE / MADV_NOHUGEPAGE on [start, end) of `pid`: sets or clears the
   * advice; later faults in fully advised 2 MiB blocks map huge pages. Existing
   * pages stay as they are (no khugepaged collapse). False when nothing is mapped there.
   */
  madviseHugepage(pid: number, start: number, end: number, on: boolean): boolean {
    const as = this.byPid.get(pid);
    if (!as || this.dead.has(pid)) return false;
    let any = false;
    for (const v of as.vmas) {
      const a = Math.max(v.start, start);
      const b = Math.min(v.end, end);
      if (a >= b) continue;
      any = true;
      v.ensureArrays();
      const f = v.flags!;
      for (let p = Math.floor(a / PAGE_SIZE); p < Math.ceil(b / PAGE_SIZE); p++) {
        const i = p - v.startPage;
        f[i] = on ? f[i] | PTE_THP_ADVISED : f[i] & ~PTE_THP_ADVISED;
      }
    }
    return any;
  }

  /** Size of the folio frame `pfn` belongs to (2 MiB for a huge page). */
  folioBytes(pfn: number): number {
    return this.frames.flags[pfn] & FRAME_THP ? THP_PAGES * PAGE_SIZE : PAGE_SIZE;
  }

  /** munmap/brk shrink/exit: free the frames of pages [a, b) and drop their translations. */
  private releasePages(as: AddressSpace, v: Vma, a: number, b: number): void {
    if (v.flags !== null) {
      for (let p = a; p < b; p++) {
        const i = p - v.startPage;
        if (v.flags[i] & PTE_PRESENT) {
          this.lru.remove(v.frames![i]);
          this.frames.free(v.frames![i]);
          v.residentPages--;
        } else if (v.flags[i] & PTE_SWAPPED) {
          this.mem.swapUsedPages--;
        }
        v.flags[i] = 0;
        if (v.owners !== null) v.owners[i] = 0;
      }
    }
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

  private pte(pid: number, addr: number): { vma: Vma; idx: number } | null {
    const as = this.byPid.get(pid);
    if (!as) return null;
    const v = as.vmaAt(addr);
    if (!v || v.flags === null) return null;
    const idx = Math.floor(addr / PAGE_SIZE) - v.startPage;
    if (!(v.flags[idx] & PTE_PRESENT)) return null;
    return { vma: v, idx };
  }

  /**
   * DAMON vaddr mkold (spec §5.2): test-and-clear the PTE Accessed bit (setting
   * PG_young if it was set) and set PG_idle. A page of a PMD-mapped huge page is
   * handled as the kernel's damon_pmdp_mkold does: the PMD's young bit (here: the
   * block's 512 Accessed bits) is cleared and the folio flags set for the whole
   * 2 MiB folio. No TLB flush unless `flush` — so a cached translation keeps the
   * page from being marked accessed again until it is evicted. Unmapped / non-LRU
   * pages: no-op. Charges mkoldNs.
   */
  mkoldVaddr(pid: number, addr: number, acct: CostAccount = this.kdamondCost, flush = false): void {
    this.charge(acct, this.costs.mkoldNs);
    acct.mkolds++;
    const p = this.pte(pid, addr);
    if (p === null) return;
    const pfn = p.vma.frames![p.idx];
    this.mkoldMapping(p.vma, p.idx, pfn);
    if (flush) this.flushTlbPage(pid, addr, acct);
  }

  /**
   * DAMON vaddr young check (spec §5.2): accessed = PTE Accessed || !PG_idle; for
   * a PMD-mapped huge page, the PMD's young bit (any Accessed bit of the block) ||
   * the folio not idle, and `lastFolioBytes` is 2 MiB (damon_young_pmd_entry).
   * Otherwise `lastFolioBytes` is 4 KiB. Charges youngCheckNs.
   */
  youngVaddr(pid: number, addr: number, acct: CostAccount = this.kdamondCost): boolean {
    this.charge(acct, this.costs.youngCheckNs);
    acct.checks++;
    this.lastFolioBytes = PAGE_SIZE;
    const p = this.pte(pid, addr);
    if (p === null) return false;
    const pfn = p.vma.frames![p.idx];
    const ff = this.frames.flags[pfn];
    if (!(ff & FRAME_LRU)) return false;
    const head = this.pmdHead(p.vma, p.idx);
    if (head >= 0) {
      this.lastFolioBytes = THP_PAGES * PAGE_SIZE;
      return this.pmdYoung(p.vma, head);
    }
    return (p.vma.flags![p.idx] & PTE_ACCESSED) !== 0 || (ff & FRAME_IDLE) === 0;
  }

  /**
   * DAMON paddr mkold (spec §5.3): not an allocated LRU frame → no-op;
   * unmapped → set PG_idle; mapped → rmap walk, clear each mapping's Accessed
   * bit (PG_young if it was set; the PMD's for a huge page), set PG_idle.
   * Charges mkoldNs (+ rmapWalkNs).
   */
  mkoldPaddr(paddr: number, acct: CostAccount = this.kdamondCost): void {
    this.charge(acct, this.costs.mkoldNs);
    acct.mkolds++;
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const ft = this.frames;
    if (pfn < 0 || pfn >= ft.capacity) return;
    const ff = ft.flags[pfn];
    if (!(ff & FRAME_ALLOCATED) || !(ff & FRAME_LRU)) return;
    const m = this.rmap(pfn, acct);
    if (m === null) {
      ft.flags[pfn] |= FRAME_IDLE;
      return;
    }
    this.mkoldMapping(m.vma, m.idx, pfn);
  }

  /**
   * DAMON paddr young (spec §5.3): unallocated / non-LRU → false; unmapped →
   * !PG_idle; mapped → any mapping's Accessed bit (the PMD's for a huge page) ||
   * !PG_idle. Sets `lastFolioBytes`: 2 MiB for a huge page whose frames are
   * physically contiguous and aligned (the same-folio cache compares aligned
   * physical addresses), else 4 KiB. Charges youngCheckNs (+ rmapWalkNs).
   */
  youngPaddr(paddr: number, acct: CostAccount = this.kdamondCost): boolean {
    this.charge(acct, this.costs.youngCheckNs);
    acct.checks++;
    this.lastFolioBytes = PAGE_SIZE;
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const ft = this.frames;
    if (pfn < 0 || pfn >= ft.capacity) return false;
    const ff = ft.flags[pfn];
    if (!(ff & FRAME_ALLOCATED) || !(ff & FRAME_LRU)) return false;
    if ((ff & FRAME_IDLE) === 0) return true;
    const m = this.rmap(pfn, acct);
    if (m === null) return false;
    const head = this.pmdHead(m.vma, m.idx);
    if (head >= 0) {
      if (this.pmdContiguous(m.vma, head)) this.lastFolioBytes = THP_PAGES * PAGE_SIZE;
      return this.pmdYoung(m.vma, head);
    }
    return (m.vma.flags![m.idx] & PTE_ACCESSED) !== 0;
  }

  /**
   * Index (in `v`) of the first page of the PMD-mapped huge page that page `idx`
   * belongs to, or -1 when it is not one: the 2 MiB-aligned block must lie in the
   * VMA with all 512 pages present on huge-page frames (a migrated page splits it).
   */
  private pmdHead(v: Vma, idx: number): number {
    const ft = this.frames;
    if (!(ft.flags[v.frames![idx]] & FRAME_THP)) return -1;
    const head = idx - ((v.startPage + idx) % THP_PAGES);
    if (head < 0 || head + THP_PAGES > v.flags!.length) return -1;
    const flags = v.flags!;
    const frames = v.frames!;
    for (let i = head; i < head + THP_PAGES; i++) {
      if (!(flags[i] & PTE_PRESENT) || !(ft.flags[frames[i]] & FRAME_THP)) return -1;
    }
    return head;
  }

  /** The PMD's young bit (any Accessed bit of the block) or the folio not idle. */
  private pmdYoung(v: Vma, head: number): boolean {
    const flags = v.flags!;
    const frames = v.frames!;
    const ft = this.frames;
    for (let i = head; i < head + THP_PAGES; i++) {
      if (flags[i] & PTE_ACCESSED || !(ft.flags[frames[i]] & FRAME_IDLE)) return true;
    }
    return false;
  }

  /** Whether the huge page's frames are physically contiguous from a 2 MiB-aligned frame. */
  private pmdContiguous(v: Vma, head: number): boolean {
    const frames = v.frames!;
    const first = frames[head];
    if (first % THP_PAGES !== 0) return false;
    for (let i = 1; i < THP_PAGES; i++) if (frames[head + i] !== first + i) return false;
    return true;
  }

  /**
   * The (process, virtual page address) mapping frame `pfn`, or null when the
   * frame is free or unmapped; charges one reverse-map walk to `acct`.
   */
  rmapOf(pfn: number, acct: CostAccount = this.kdamondCost): { pid: number; vaddr: number } | null {
    if (pfn < 0 || pfn >= this.frames.capacity || !(this.frames.flags[pfn] & FRAME_ALLOCATED)) return null;
    const m = this.rmap(pfn, acct);
    if (m === null) return null;
    return {
      pid: this.spaces[this.frames.rmapAsid[pfn] - 1].pid,
      vaddr: (m.vma.startPage + m.idx) * PAGE_SIZE,
    };
  }

  /** The mapping of frame `pfn` (one per frame: no sharing yet), charging an rmap walk. */
  private rmap(pfn: number, acct: CostAccount): { vma: Vma; idx: number } | null {
    const a = this.frames.rmapAsid[pfn];
    if (a === 0) return null;
    this.charge(acct, this.costs.rmapWalkNs);
    acct.rmapWalks++;
    const as = this.spaces[a - 1];
    const vpn = this.frames.rmapVpn[pfn];
    const v = as.findVma(vpn);
    if (v === null || v.flags === null) return null;
    return { vma: v, idx: vpn - v.startPage };
  }

  private mkoldMapping(v: Vma, idx: number, pfn: number): void {
    const ft = this.frames;
    if (!(ft.flags[pfn] & FRAME_LRU)) return;
    const head = this.pmdHead(v, idx);
    if (head >= 0) {
      // damon_pmdp_mkold: one young bit for the whole folio.
      const flags = v.flags!;
      const frames = v.frames!;
      let young = false;
      for (let i = head; i < head + THP_PAGES; i++) {
        if (flags[i] & PTE_ACCESSED) {
          young = true;
          flags[i] &= ~PTE_ACCESSED;
        }
      }
      for (let i = head; i < head + THP_PAGES; i++)
        ft.flags[frames[i]] |= young ? FRAME_IDLE | FRAME_YOUNG : FRAME_IDLE;
      return;
    }
    const f = v.flags![idx];
    if (f & PTE_ACCESSED) {
      v.flags![idx] = f & ~PTE_ACCESSED;
      ft.flags[pfn] |= FRAME_YOUNG;
    }
    ft.flags[pfn] |= FRAME_IDLE;
  }

  /**
   * Migrates the page at `vaddr` of `pid` to `node` (NUMA balancing, DAMOS
   * migrate): a new frame on exactly that node takes over the mapping, its
   * PG_idle/PG_young and the PTE bits; the old frame is freed and the
   * translation flushed. Returns false (and charges nothing) when the page is
   * not present, already on `node`, or `node` is full.
   */
  migratePage(pid: number, vaddr: number, node: number, acct: CostAccount = this.kdamondCost): boolean {
    const p = this.pte(pid, vaddr);
    if (p === null) return false;
    const ft = this.frames;
    if (!Number.isInteger(node) || node < 0 || node >= ft.nrNodes)
      throw new RangeError(`node ${node} does not exist`);
    const old = p.vma.frames![p.idx];
    if (ft.node[old] === node) return false;
    const pfn = ft.allocateOn(node);
    if (pfn < 0) return false;
    const oldFlags = ft.flags[old];
    this.lru.remove(old);
    // Migration moves base pages: a huge page is split.
    ft.flags[pfn] = oldFlags & ~(FRAME_LRU | FRAME_THP);
    if (oldFlags & FRAME_LRU) this.lru.add(pfn, (oldFlags & FRAME_ACTIVE) !== 0);
    ft.rmapAsid[pfn] = ft.rmapAsid[old];
    ft.rmapVpn[pfn] = ft.rmapVpn[old];
    this.truth?.frameMoved(old, pfn);
    p.vma.frames![p.idx] = pfn;
    // The truth already moved the page's counters: free the old frame without settling them.
    const onFree = ft.onFree;
    ft.onFree = null;
    ft.free(old);
    ft.onFree = onFree;
    this.charge(acct, this.costs.migratePageNs);
    this.flushTlbPage(pid, vaddr, acct);
    return true;
  }

  /**
   * Drops the translation of `addr` in `pid` from every CPU's TLB (what
   * flush_tlb_page does). Charges a local flush plus one shootdown per other CPU
   * that had it cached. Returns the number of CPUs that had it.
   */
  flushTlbPage(pid: number, addr: number, acct: CostAccount = this.kdamondCost): number {
    const as = this.process(pid);
    const vpn = Math.floor(addr / PAGE_SIZE);
    let had = 0;
    for (const c of this.cpus) {
      if (c.tlb === null || !c.tlb.flushPage(as.asid, vpn)) continue;
      had++;
      // The IPI's handler runs on every other CPU that had the entry.
      if (c.id !== acct.cpu) {
        this.shootdowns++;
        this.shootdownReceived(c);
      }
    }
    acct.tlbFlushes++;
    this.charge(acct, this.costs.tlbFlushLocalNs + Math.max(0, had - 1) * this.costs.tlbShootdownPerCpuNs);
    return had;
  }

  /** Flushes the whole TLB of one CPU, or of every CPU when `cpu` is omitted. No cost charged. */
  flushTlbAll(cpu?: number): void {
    for (const c of this.cpus) if (c.tlb !== null && (cpu === undefined || c.id === cpu)) c.tlb.flushAll();
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

  /** Free memory of the whole machine in permil (the watermarks' free_mem_rate). */
  freeMemRatePermil(): number {
    let free = 0;
    let total = 0;
    for (let n = 0; n < this.nrNodes; n++) {
      free += this.frames.nodeFreeFrames[n];
      total += this.frames.nodeTotalFrames[n];
    }
    return Math.floor((free * 1000) / total);
  }

  /**
   * A frame for a fault: the preferred node, else the others in order, while a
   * node stays above its low watermark; when every node is below it, kswapd
   * runs (its own CPU) and the allocation may dig to the min watermark; below
   * that, or with nothing free, the faulting task reclaims directly and stalls.
   */
  private allocFrame(node: number, nowNs: number): { pfn: number; stallNs: number } {
    const ft = this.frames;
    const nn = ft.nrNodes;
    for (let k = 0; k < nn; k++) {
      const id = (node + k) % nn;
      if (ft.nodeFreeFrames[id] > this.wmarkLow[id]) return { pfn: ft.allocateOn(id), stallNs: 0 };
    }
    this.kswapd(nowNs);
    for (let k = 0; k < nn; k++) {
      const id = (node + k) % nn;
      if (ft.nodeFreeFrames[id] > this.wmarkMin[id]) return { pfn: ft.allocateOn(id), stallNs: 0 };
    }
    // Direct reclaim: a batch of 32 pages (SWAP_CLUSTER_MAX), charged to the faulting task.
    const acct = new CostAccount("direct");
    this.mem.directReclaims++;
    const freed = this.shrinkNode(node, 32, acct);
    this.mem.directReclaimed += freed;
    this.mem.stallNs += acct.ns;
    return { pfn: ft.allocate(node), stallNs: acct.ns };
  }

  /** Background reclaim: every node below its low watermark is reclaimed up to its high watermark. */
  private kswapd(_nowNs: number): void {
    const ft = this.frames;
    for (let n = 0; n < ft.nrNodes; n++) {
      if (ft.nodeFreeFrames[n] > this.wmarkLow[n]) continue;
      this.mem.kswapdRuns++;
      const want = this.wmarkHigh[n] - ft.nodeFreeFrames[n] + 1;
      this.mem.kswapdReclaimed += this.shrinkNode(n, want, this.kswapdCost);
    }
  }

  /**
   * The kernel's basic LRU aging and reclaim on one node: keep the inactive
   * list at least as long as the active one by deactivating from the active
   * tail (clearing references, so a page must be used again to stay); take
   * pages from the inactive tail, activating referenced ones (second chance)
   * and evicting the rest. Returns the pages freed.
   */
  shrinkNode(node: number, nrToFree: number, acct: CostAccount): number {
    const lru = this.lru;
    let freed = 0;
    let scanned = 0;
    const maxScan = Math.max(64, 4 * nrToFree) + lru.pages(node, true) + lru.pages(node, false);
    while (freed < nrToFree && scanned < maxScan) {
      scanned++;
      if (lru.pages(node, false) < lru.pages(node, true)) {
        const a = lru.tailOf(node, true);
        this.testClearReferenced(a, acct);
        lru.move(a, false);
        continue;
      }
      const p = lru.tailOf(node, false);
      if (p < 0) break;
      if (this.testClearReferenced(p, acct)) lru.move(p, true);
      else if (this.evictFrame(p, acct)) freed++;
      else lru.move(p, false); // could not evict (unmapped): rotate
    }
    this.mem.scanned += scanned;
    this.charge(acct, scanned * this.costs.reclaimScanNs);
    return freed;
  }

  /**
   * Reclaim's reference check (folio_referenced): the mapping's Accessed bit or
   * PG_young, both cleared; a referenced page is no longer idle, so DAMON still
   * sees the access. Charges an rmap walk.
   */
  testClearReferenced(pfn: number, acct: CostAccount = this.kdamondCost): boolean {
    const ft = this.frames;
    let ref = (ft.flags[pfn] & FRAME_YOUNG) !== 0;
    ft.flags[pfn] &= ~FRAME_YOUNG;
    const m = this.rmap(pfn, acct);
    if (m !== null && m.vma.flags![m.idx] & PTE_ACCESSED) {
      m.vma.flags![m.idx] &= ~PTE_ACCESSED;
      ref = true;
    }
    if (ref) ft.flags[pfn] &= ~FRAME_IDLE;
    return ref;
  }

  /**
   * Evicts an allocated, mapped frame: anonymous pages go to swap, file pages are
   * dropped; the PTE keeps PTE_SWAPPED so the next access major-faults it back.
   * Returns false for a frame that is free, unmapped or not on an LRU list.
   */
  evictFrame(pfn: number, acct: CostAccount = this.kdamondCost): boolean {
    const ft = this.frames;
    if (pfn < 0 || pfn >= ft.capacity || !(ft.flags[pfn] & FRAME_ALLOCATED) || !(ft.flags[pfn] & FRAME_LRU))
      return false;
    const a = ft.rmapAsid[pfn];
    if (a === 0) return false;
    const as = this.spaces[a - 1];
    const vpn = ft.rmapVpn[pfn];
    const v = as.findVma(vpn);
    if (v === null || v.flags === null) return false;
    const idx = vpn - v.startPage;
    const f = v.flags[idx];
    // File pages are clean (written back): dropping them costs no write.
    const write = !v.fileBacked || (f & PTE_DIRTY) !== 0;
    v.flags[idx] = (f & ~(PTE_PRESENT | PTE_ACCESSED | PTE_DIRTY)) | PTE_SWAPPED;
    v.residentPages--;
    this.lru.remove(pfn);
    ft.free(pfn);
    this.mem.swapOuts++;
    this.mem.swapUsedPages++;
    if (write) this.charge(acct, this.costs.swapOutNs);
    this.flushTlbPage(as.pid, vpn * PAGE_SIZE, acct);
    return true;
  }

  /** Evicts the page at `vaddr` of `pid` (MADV_PAGEOUT on one page); false when not present. */
  pageoutVaddr(pid: number, vaddr: number, acct: CostAccount = this.kdamondCost): boolean {
    const p = this.pte(pid, vaddr);
    if (p === null) return false;
    const ok = this.evictFrame(p.vma.frames![p.idx], acct);
    if (ok) this.mem.pageoutReclaimed++;
    return ok;
  }

  /** Brings a swapped-out page of `pid` back without a fault (MADV_WILLNEED); false when not swapped. */
  swapInVaddr(pid: number, vaddr: number, acct: CostAccount = this.kdamondCost): boolean {
    const as = this.byPid.get(pid);
    const v = as?.vmaAt(vaddr);
    if (!as || !v || v.flags === null) return false;
    const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    if (!(v.flags[idx] & PTE_SWAPPED) || v.flags[idx] & PTE_PRESENT) return false;
    const node = v.policyNode >= 0 ? v.policyNode : 0;
    const pfn = this.frames.allocate(node);
    if (pfn < 0) return false;
    this.frames.rmapAsid[pfn] = as.asid + 1;
    this.frames.rmapVpn[pfn] = idx + v.startPage;
    v.frames![idx] = pfn;
    v.flags[idx] = (v.flags[idx] & ~PTE_SWAPPED) | PTE_PRESENT;
    v.residentPages++;
    this.lru.add(pfn, false);
    this.mem.swapIns++;
    this.mem.swapUsedPages--;
    this.charge(acct, this.costs.swapInNs);
    return true;
  }

  /** The frame backing `vaddr` of `pid`, or -1 when not present. */
  frameOf(pid: number, vaddr: number): number {
    const p = this.pte(pid, vaddr);
    return p === null ? -1 : p.vma.frames![p.idx];
  }

  /** Whether `vaddr` of `pid` is in a file-backed mapping. */
  isFileBacked(pid: number, vaddr: number): boolean {
    return this.byPid.get(pid)?.vmaAt(vaddr)?.fileBacked ?? false;
  }

  /** Moves a frame on an LRU list to the head of the active (or inactive) list; charges lruMoveNs. */
  setLruActive(pfn: number, active: boolean, acct: CostAccount = this.kdamondCost): boolean {
    const ft = this.frames;
    if (pfn < 0 || pfn >= ft.capacity || !(ft.flags[pfn] & FRAME_LRU)) return false;
    this.lru.move(pfn, active);
    this.charge(acct, this.costs.lruMoveNs);
    return true;
  }

  /** Memory cgroup id of `path` ("/" = 1), creating it when `create`; -1 when it does not exist. */
  memcgId(path: string, create = false): number {
    const norm =
      "/" +
      path
        .split("/")
        .filter((x) => x !== "")
        .join("/");
    let id = this.memcgs.get(norm);
    if (id === undefined) {
      if (!create) return -1;
      id = this.memcgs.size + 1;
      this.memcgs.set(norm, id);
    }
    return id;
  }

  /** Charges process `pid` to the memory cgroup at `path` (created if needed); returns its id. */
  setMemcg(pid: number, path: string): number {
    const id = this.memcgId(path, true);
    this.process(pid).memcgId = id;
    return id;
  }

  /** Memory cgroup of the process mapping frame `pfn` (0 when unmapped). */
  memcgOfFrame(pfn: number): number {
    const a = this.frames.rmapAsid[pfn];
    return a === 0 ? 0 : this.spaces[a - 1].memcgId;
  }

  /** LRU pages of memcg `id` on `node` (a scan over the frame table: for goal metrics, not hot paths). */
  memcgNodePages(id: number, node: number): number {
    const ft = this.frames;
    let n = 0;
    for (let pfn = 0; pfn < ft.capacity; pfn++) {
      if (ft.flags[pfn] & FRAME_LRU && ft.node[pfn] === node && this.memcgOfFrame(pfn) === id) n++;
    }
    return n;
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

  /** A plain-data snapshot of the counters (for --json output and reports). */
  stats(): MachineStats {
    const acct = (a: CostAccount) => ({
      name: a.name,
      ns: a.ns,
      checks: a.checks,
      mkolds: a.mkolds,
      rmapWalks: a.rmapWalks,
      tlbFlushes: a.tlbFlushes,
      cpu: a.cpu,
    });
    const accesses = this.totalAccesses();
    const appTimeNs = this.appTimeNs();
    return {
      cpus: this.cpus.map((c) => ({
        id: c.id,
        node: c.node,
        timeNs: c.timeNs,
        stolenNs: c.stolenNs,
        idleNs: c.idleNs,
        tlbHits: c.tlb?.hits ?? 0,
        tlbMisses: c.tlb?.misses ?? 0,
      })),
      threads: this.threads.map((t) => ({
        tid: t.tid,
        pid: t.as.pid,
        name: t.name,
        cpu: t.cpu.id,
        accesses: t.accesses,
        runNs: t.runNs,
        minorFaults: t.minorFaults,
        majorFaults: t.majorFaults,
        hintingFaults: t.hintingFaults,
        tlbMisses: t.tlbMisses,
        invalidAccesses: t.invalidAccesses,
      })),
      accesses,
      appTimeNs,
      nsPerAccess: accesses > 0 ? appTimeNs / accesses : 0,
      residentBytes: this.frames.allocatedFrames * PAGE_SIZE,
      silentRestores: this.silentRestores,
      kdamond: acct(this.kdamondCost),
      memory: {
        ...this.mem,
        activePages: this.lru.total(true),
        inactivePages: this.lru.total(false),
        nodeFreeBytes: this.frames.nodeFreeFrames.map((f) => f * PAGE_SIZE),
        kswapdNs: this.kswapdCost.ns,
      },
    };
  }
}

/** What Machine.stats() returns. */
export interface MachineStats {
  cpus: {
    id: number;
    node: number;
    timeNs: number;
    stolenNs: number;
    idleNs: number;
    tlbHits: number;
    tlbMisses: number;
  }[];
  threads: {
    tid: number;
    pid: number;
    name: string;
    cpu: number;
    accesses: number;
    runNs: number;
    minorFaults: number;
    majorFaults: number;
    hintingFaults: number;
    tlbMisses: number;
    invalidAccesses: number;
  }[];
  /** Application accesses completed. Phases are timed, so monitoring overhead shows as fewer accesses. */
  accesses: number;
  /** Sum over threads of the time spent running accesses. */
  appTimeNs: number;
  nsPerAccess: number;
  residentBytes: number;
  silentRestores: number;
  memory: {
    swapOuts: number;
    swapIns: number;
    swapUsedPages: number;
    kswapdReclaimed: number;
    directReclaimed: number;
    pageoutReclaimed: number;
    scanned: number;
    kswapdRuns: number;
    directReclaims: number;
    stallNs: number;
    activePages: number;
    inactivePages: number;
    nodeFreeBytes: number[];
    kswapdNs: number;
  };
  kdamond: {
    name: string;
    ns: number;
    checks: number;
    mkolds: number;
    rmapWalks: number;
    tlbFlushes: number;
    cpu: number;
  };
}
