/**
 * Exact ground truth, fed by the memory system's access path. Per physical
 * frame it keeps typed arrays only: the last sampling interval in which the
 * frame was accessed, the number of positive sampling intervals and of accesses
 * in the current aggregation window. Pages enter a window's entry list on their
 * first access in that window, so closing a window is O(pages touched in it),
 * never O(memory size). It runs as a driver agent: it wakes at every sampling
 * boundary to advance the interval and closes a window every
 * `samplesPerWindow` intervals — or, with `windows: "caller"`, whenever its
 * owner calls `closeWindowAt` (an experiment closes it at each of DAMON's
 * aggregations, so the truth covers exactly the span DAMON aggregated, however
 * long watermark waits, pauses or tuned intervals made it).
 */
import { PAGE_SIZE } from "../mm/vma.js";
import { PLAIN_ALLOC, type ArrayAlloc } from "../mm/sim-heap.js";

/** One closed aggregation window. Arrays hold `n` entries, one per page touched in the window. */
export interface TruthWindow {
  index: number;
  startNs: number;
  endNs: number;
  /** Sampling intervals in the window (frequency denominator). */
  samples: number;
  /** Entries (pages accessed at least once in the window). */
  n: number;
  /** Process id of the mapping the page had when first accessed in the window. */
  pid: Int32Array;
  /** Virtual page address (page aligned). */
  vaddr: Float64Array;
  /** Physical page address (page aligned). */
  paddr: Float64Array;
  /** Sampling intervals in which the page was accessed (≤ samples). */
  positive: Uint16Array;
  /** Accesses to the page in the window. */
  accesses: Float64Array;
  /** Total bytes accessed at least once (true WSS at threshold 1 sample). */
  wssBytes: number;
  /** Total accesses in the window. */
  totalAccesses: number;
  /** Per page and sampling interval detail, when the recorder logs samples (else null). */
  sampleLog: TruthSampleLog | null;
}

/**
 * One record per (page, sampling interval in which it was accessed), in time
 * order: `entry` indexes the window's arrays, `sample` is the interval's index
 * within the window (0-based), `accesses` the page's accesses in that interval.
 */
export interface TruthSampleLog {
  n: number;
  entry: Int32Array;
  sample: Uint16Array;
  accesses: Float64Array;
}

/** What is kept of every window even when the full windows are not. */
export interface TruthWindowSummary {
  index: number;
  startNs: number;
  endNs: number;
  samples: number;
  pages: number;
  wssBytes: number;
  totalAccesses: number;
}

/** A phase change reported by a workload thread. */
export interface PhaseChange {
  timeNs: number;
  tid: number;
  /** Phase index within the thread's phase list (0 = first). */
  phase: number;
  name: string;
}

export interface GroundTruthOptions {
  /** Sampling interval in ns (DAMON's sample_us × 1000). */
  sampleNs: number;
  /** Aggregation interval in ns; a window is round(aggrNs / sampleNs) sampling intervals (at least 1). */
  aggrNs: number;
  /** Time of the first sampling boundary (default 0). */
  startNs?: number;
  /** Keep a copy of every closed window in `windows` (memory: ~30 bytes per touched page per window). */
  keepWindows?: boolean;
  /**
   * Also record, for every page and sampling interval, whether it was accessed
   * and how often (`TruthWindow.sampleLog`). Costs a slow-path exit per page per
   * sampling interval, so it is off by default.
   */
  logSamples?: boolean;
  /**
   * Who closes windows: "clock" (default) every round(aggrNs / sampleNs) sampling
   * intervals; "caller" only `closeWindowAt(endNs)`, with the sampling grid
   * restarting at every window start (`aggrNs` is then unused). A caller-closed
   * window counts at most 65535 sampling intervals: once there, the rest of the
   * window is treated as part of its last interval.
   */
  windows?: "clock" | "caller";
}

/** Most sampling intervals one window counts (positive counts are 16-bit). */
const MAX_SAMPLES = 65535;

/** Sampling intervals per window; positive counts are 16-bit, so at most 65535 (checked when `clock`). */
function samplesPerWindow(sampleNs: number, aggrNs: number, clock = true): number {
  if (!(sampleNs > 0) || !(aggrNs > 0)) throw new RangeError("truth: intervals must be positive");
  const n = Math.max(1, Math.round(aggrNs / sampleNs));
  if (clock && n > MAX_SAMPLES)
    throw new RangeError(`truth: ${n} sampling intervals per window; at most ${MAX_SAMPLES}`);
  return Math.min(n, MAX_SAMPLES);
}

export class GroundTruth {
  // Per-frame arrays, read and written by the access path (machine.ts).
  /** Last sampling interval (curSample value) in which the frame was accessed. */
  sampleStamp: Int32Array = new Int32Array(0);
  /** Window (curWin value) the frame's counters belong to. */
  winStamp: Int32Array = new Int32Array(0);
  /** Positive sampling intervals of the frame in the current window. */
  positive: Uint16Array = new Uint16Array(0);
  /** Accesses to the frame in the current window (Float64: exact far beyond 2^32). */
  count: Float64Array = new Float64Array(0);
  /** Where the four arrays above come from (Machine.attachTruth sets the machine's). */
  private alloc: ArrayAlloc = PLAIN_ALLOC;
  /** Index of the frame's entry in the current window. */
  private entryOf: Int32Array = new Int32Array(0);
  /** Current sampling interval id (starts at 1; 0 in the stamps means never). */
  curSample = 1;
  /** Current window id (starts at 1). */
  curWin = 1;

  sampleNs: number;
  samplesPerWindow: number;
  /** Start time of the current window and of the current sampling interval. */
  windowStartNs: number;
  private nextBoundaryNs: number;
  private samplesInWindow = 0;
  private pending: { sampleNs: number; aggrNs: number } | null = null;

  // Entries of the current window (grown by doubling).
  private eN = 0;
  private ePfn = new Int32Array(1024);
  private eAsid = new Int32Array(1024);
  private eVpn = new Float64Array(1024);
  private ePos = new Uint16Array(1024);
  private eCnt = new Float64Array(1024);

  /** Closed-window summaries, in order. */
  readonly summaries: TruthWindowSummary[] = [];
  /** Full copies of closed windows when `keepWindows` is on. */
  readonly windows: TruthWindow[] = [];
  readonly phaseChanges: PhaseChange[] = [];
  /** Called with every closed window; its arrays are only valid during the call unless kept. */
  onWindow: ((w: TruthWindow) => void) | null = null;
  private readonly keep: boolean;
  /** Whether per-sample records are kept (read by the access path). */
  readonly logSamples: boolean;
  private lN = 0;
  private lEntry = new Int32Array(0);
  private lSample = new Uint16Array(0);
  private lBefore = new Float64Array(0);
  private pidOf: (asid: number) => number = (a) => a;
  private windowIndex = 0;
  /** Windows close on the sampling clock (else only through closeWindowAt). */
  private readonly clockWindows: boolean;

  constructor(opts: GroundTruthOptions) {
    this.clockWindows = (opts.windows ?? "clock") === "clock";
    this.sampleNs = opts.sampleNs;
    this.samplesPerWindow = samplesPerWindow(opts.sampleNs, opts.aggrNs, this.clockWindows);
    this.windowStartNs = opts.startNs ?? 0;
    this.nextBoundaryNs = this.windowStartNs + this.sampleNs;
    this.keep = opts.keepWindows ?? false;
    this.logSamples = opts.logSamples ?? false;
    if (this.logSamples) {
      this.lEntry = new Int32Array(1024);
      this.lSample = new Uint16Array(1024);
      this.lBefore = new Float64Array(1024);
    }
  }

  /**
   * Called by Machine.attachTruth: how to name the process of an address space, and
   * where the per-frame arrays the access loop updates live (the machine's heap).
   */
  bind(pidOf: (asid: number) => number, frameCapacity: number, alloc: ArrayAlloc = PLAIN_ALLOC): void {
    this.pidOf = pidOf;
    if (alloc !== this.alloc) {
      this.alloc = alloc;
      // Re-home what exists (a truth made before its machine has empty arrays).
      this.resize(this.sampleStamp.length);
    }
    this.ensureCapacity(frameCapacity);
  }

  /** Sizes the per-frame arrays (the frame table grew). */
  ensureCapacity(frames: number): void {
    if (this.sampleStamp.length < frames) this.resize(frames);
  }

  /** The per-frame arrays, `frames` long, made by `alloc` and holding what they held. */
  private resize(frames: number): void {
    const grow = <T extends Int32Array | Uint16Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(frames);
      b.set(a);
      return b;
    };
    const alloc = this.alloc;
    this.sampleStamp = grow(this.sampleStamp, (n) => alloc.i32(n));
    this.winStamp = grow(this.winStamp, (n) => alloc.i32(n));
    this.positive = grow(this.positive, (n) => alloc.u16(n));
    this.count = grow(this.count, (n) => alloc.f64(n));
    this.entryOf = grow(this.entryOf, (n) => new Int32Array(n));
  }

  /**
   * The access path's slow exit for a page's first access in a sampling
   * interval that it cannot finish itself: the first access in the window
   * (new entry), or any interval when samples are logged.
   */
  touchSlow(pfn: number, asid: number, vpn: number): void {
    if (this.winStamp[pfn] !== this.curWin) this.firstTouch(pfn, asid, vpn);
    if (this.logSamples) {
      if (this.lN === this.lEntry.length) this.growLog();
      const r = this.lN++;
      this.lEntry[r] = this.entryOf[pfn];
      this.lSample[r] = this.samplesInWindow;
      this.lBefore[r] = this.count[pfn];
    }
    this.sampleStamp[pfn] = this.curSample;
    this.positive[pfn]++;
  }

  /** First access of `pfn` in the current window: resets its counters and adds an entry. */
  private firstTouch(pfn: number, asid: number, vpn: number): void {
    this.winStamp[pfn] = this.curWin;
    this.positive[pfn] = 0;
    this.count[pfn] = 0;
    if (this.eN === this.ePfn.length) this.growEntries();
    const e = this.eN++;
    this.ePfn[e] = pfn;
    this.eAsid[e] = asid;
    this.eVpn[e] = vpn;
    this.entryOf[pfn] = e;
  }

  /** The frame is being freed: settle its entry so a reuse starts a new one. */
  frameFreed(pfn: number): void {
    if (pfn >= this.winStamp.length) return;
    if (this.winStamp[pfn] === this.curWin) {
      const e = this.entryOf[pfn];
      this.ePos[e] = this.positive[pfn];
      this.eCnt[e] = this.count[pfn];
      this.ePfn[e] = -1 - pfn; // detached: counters already settled
    }
    this.winStamp[pfn] = 0;
    this.sampleStamp[pfn] = 0;
  }

  /**
   * The page in `from` moved to `to` (migration): its counters and window entry
   * follow it, so the page keeps one entry with the new physical address.
   */
  frameMoved(from: number, to: number): void {
    if (from >= this.winStamp.length || to >= this.winStamp.length) return;
    this.sampleStamp[to] = this.sampleStamp[from];
    this.winStamp[to] = this.winStamp[from];
    this.positive[to] = this.positive[from];
    this.count[to] = this.count[from];
    this.entryOf[to] = this.entryOf[from];
    if (this.winStamp[from] === this.curWin) this.ePfn[this.entryOf[from]] = to;
    this.winStamp[from] = 0;
    this.sampleStamp[from] = 0;
  }

  /** Records a workload phase change (the workload layer calls this). */
  markPhase(change: PhaseChange): void {
    this.phaseChanges.push(change);
  }

  /** New intervals, effective from the next window (intervals auto-tuning). */
  setIntervals(sampleNs: number, aggrNs: number): void {
    samplesPerWindow(sampleNs, aggrNs, this.clockWindows);
    this.pending = { sampleNs, aggrNs };
  }

  // Agent interface (driver.ts).
  nextWakeNs(): number {
    return this.nextBoundaryNs;
  }

  wake(nowNs: number): void {
    // Several boundaries may have passed if the driver jumped (idle CPUs).
    while (this.nextBoundaryNs <= nowNs) {
      const boundary = this.nextBoundaryNs;
      this.endSample();
      if (this.clockWindows && this.samplesInWindow >= this.samplesPerWindow) this.closeWindow(boundary);
      this.nextBoundaryNs = boundary + this.sampleNs;
    }
  }

  /** Ends the current sampling interval (beyond MAX_SAMPLES the window's last interval goes on). */
  private endSample(): void {
    if (this.samplesInWindow >= MAX_SAMPLES) return;
    this.curSample++;
    this.samplesInWindow++;
  }

  /**
   * Closes the current window at `endNs` (`windows: "caller"` only): the sampling
   * boundaries up to `endNs` are passed first, a partial last interval counts as
   * one, and the next window's grid starts at `endNs`. `onWindow` is called
   * before this returns.
   */
  closeWindowAt(endNs: number): void {
    if (this.clockWindows) throw new Error("truth: closeWindowAt needs windows: 'caller'");
    if (endNs < this.windowStartNs)
      throw new RangeError(`truth: window end ${endNs} before its start ${this.windowStartNs}`);
    this.wake(endNs);
    const lastBoundary = this.nextBoundaryNs - this.sampleNs;
    if (endNs > lastBoundary || this.samplesInWindow === 0) this.endSample();
    this.closeWindow(endNs);
    this.nextBoundaryNs = endNs + this.sampleNs;
  }

  /** Closes the current window now (e.g. at the end of a run); no-op if it has no samples. */
  flush(nowNs: number): void {
    if (this.samplesInWindow > 0 || nowNs > this.windowStartNs) {
      if (this.samplesInWindow === 0) this.samplesInWindow = 1;
      this.closeWindow(nowNs);
    }
  }

  private closeWindow(endNs: number): void {
    const n = this.eN;
    const w: TruthWindow = {
      index: this.windowIndex++,
      startNs: this.windowStartNs,
      endNs,
      samples: this.samplesInWindow,
      n,
      pid: new Int32Array(n),
      vaddr: new Float64Array(n),
      paddr: new Float64Array(n),
      positive: this.ePos.subarray(0, n),
      accesses: this.eCnt.subarray(0, n),
      wssBytes: n * PAGE_SIZE,
      totalAccesses: 0,
      sampleLog: null,
    };
    let total = 0;
    for (let e = 0; e < n; e++) {
      let pfn = this.ePfn[e];
      if (pfn >= 0) {
        this.ePos[e] = this.positive[pfn];
        this.eCnt[e] = this.count[pfn];
        w.paddr[e] = pfn * PAGE_SIZE;
      } else {
        pfn = -1 - pfn;
        w.paddr[e] = pfn * PAGE_SIZE;
      }
      w.pid[e] = this.pidOf(this.eAsid[e]);
      w.vaddr[e] = this.eVpn[e] * PAGE_SIZE;
      total += this.eCnt[e];
    }
    w.totalAccesses = total;
    if (this.logSamples) w.sampleLog = this.settleLog(n);
    this.summaries.push({
      index: w.index,
      startNs: w.startNs,
      endNs,
      samples: w.samples,
      pages: n,
      wssBytes: w.wssBytes,
      totalAccesses: total,
    });
    if (this.keep) {
      w.positive = w.positive.slice();
      w.accesses = w.accesses.slice();
      this.windows.push(w);
    }
    this.onWindow?.(w);
    this.eN = 0;
    this.lN = 0;
    this.curWin++;
    this.samplesInWindow = 0;
    this.windowStartNs = endNs;
    if (this.pending) {
      this.sampleNs = this.pending.sampleNs;
      this.samplesPerWindow = samplesPerWindow(this.pending.sampleNs, this.pending.aggrNs, this.clockWindows);
      this.pending = null;
    }
  }

  /** Per-sample accesses from the logged counts-before: walk backwards keeping each entry's next count. */
  private settleLog(n: number): TruthSampleLog {
    const ln = this.lN;
    const next = new Float64Array(n);
    for (let e = 0; e < n; e++) next[e] = this.eCnt[e];
    const acc = new Float64Array(ln);
    for (let r = ln - 1; r >= 0; r--) {
      const e = this.lEntry[r];
      acc[r] = next[e] - this.lBefore[r];
      next[e] = this.lBefore[r];
    }
    return { n: ln, entry: this.lEntry.slice(0, ln), sample: this.lSample.slice(0, ln), accesses: acc };
  }

  private growLog(): void {
    const cap = this.lEntry.length * 2;
    const e = new Int32Array(cap);
    e.set(this.lEntry);
    const sm = new Uint16Array(cap);
    sm.set(this.lSample);
    const b = new Float64Array(cap);
    b.set(this.lBefore);
    this.lEntry = e;
    this.lSample = sm;
    this.lBefore = b;
  }

  private growEntries(): void {
    const cap = this.ePfn.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.ePfn = g(this.ePfn, (n) => new Int32Array(n));
    this.eAsid = g(this.eAsid, (n) => new Int32Array(n));
    this.eVpn = g(this.eVpn, (n) => new Float64Array(n));
    this.ePos = g(this.ePos, (n) => new Uint16Array(n));
    this.eCnt = g(this.eCnt, (n) => new Float64Array(n));
  }
}
