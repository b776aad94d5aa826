/**
 * A model of automatic NUMA balancing (AutoNUMA) on the generic hinting-fault
 * framework: a periodic scanner arms the next `scanSizeBytes` of each task's
 * address space every scan period (owner "numa-balancing"), the hint-fault
 * handler keeps per-task / per-node fault statistics and migrates misplaced
 * pages, and the memory-tiering mode promotes hot slow-tier pages. Defaults are
 * the kernel's documented ones; where the model is simpler than the kernel,
 * docs/numa-balancing.md says how.
 */
import { CostAccount } from "../cost-model.js";
import type { Agent } from "../driver.js";
import { hintingOf, NUMA_OWNER } from "../hinting/index.js";
import type { HintFault, HintingFramework, HintOwner, OwnerHandle } from "../hinting/index.js";
import type { Machine } from "../machine.js";
import type { AddressSpace } from "../address-space.js";
import { PAGE_SIZE, PTE_PRESENT } from "../vma.js";
import type { PageChunk } from "../vma.js";
import type { HotnessSink } from "../pghot/pghot.js";
import type { NumaBalancingOptions, NumaBalancingStats, NumaTaskStats } from "./numa-balancing-types.js";
import { PromotionRateLimit } from "./promotion-rate-limit.js";
import { nextScanPeriodMs } from "./scan-period.js";

export type {
  NumaBalancingOptions,
  NumaBalancingStats,
  NumaTaskStats,
  ScanWindow,
} from "./numa-balancing-types.js";

const MS = 1_000_000;
const MiB = 2 ** 20;

interface TaskState {
  as: AddressSpace;
  acct: CostAccount;
  nextScanNs: number;
  /** Where the next scan starts (virtual address). */
  offset: number;
  periodMs: number;
  winLocal: number;
  winRemote: number;
  stats: NumaTaskStats;
}

/** Per-chunk page state the kernel keeps in struct page: last faulting node and scan time. */
interface PageState {
  lastNode: Int8Array;
  scanNs: Float64Array;
}

/** Virtual pages walked per scan, as a multiple of the pages armed (the kernel bounds empty walks too). */
const VIRT_SCAN_FACTOR = 8;

const numaBalancings = new WeakMap<Machine, NumaBalancing>();

/** The NUMA balancing created last on `m`, if any (e.g. to switch it from an experiment's hooks). */
export function numaBalancingOf(m: Machine): NumaBalancing | null {
  return numaBalancings.get(m) ?? null;
}

export class NumaBalancing implements Agent, HintOwner {
  readonly name = NUMA_OWNER;
  readonly fw: HintingFramework;
  readonly normal: boolean;
  readonly tiering: boolean;
  readonly scanDelayNs: number;
  readonly scanPeriodMinMs: number;
  readonly scanPeriodMaxMs: number;
  readonly scanPages: number;
  readonly hotThresholdNs: number;
  readonly promoteLimitPages: number;
  readonly handlerNs: number;
  readonly stats: NumaBalancingStats;
  private readonly hotness: HotnessSink | undefined;

  /** Where migrations are costed before the handler returns that time to the faulting CPU. */
  private readonly migrateAcct = new CostAccount("numa-migrate");
  private handle: OwnerHandle | null = null;
  private on = false;
  private readonly tasks = new Map<number, TaskState>();
  private readonly pages = new WeakMap<PageChunk, PageState>();
  private nextDiscoveryNs: number;
  private readonly slowNode: boolean[];
  private readonly promotionLimit: PromotionRateLimit;

  constructor(
    readonly machine: Machine,
    opts: NumaBalancingOptions = {},
  ) {
    this.fw = hintingOf(machine, { mode: opts.hintingMode });
    this.normal = opts.normal ?? true;
    this.tiering = opts.tiering ?? false;
    const num = (v: number | undefined, d: number, what: string, min = 0): number => {
      const x = v ?? d;
      if (!(Number.isFinite(x) && x >= min))
        throw new RangeError(`NUMA balancing: ${what} must be ≥ ${min}, got ${x}`);
      return x;
    };
    this.scanDelayNs = num(opts.scanDelayMs, 1000, "scanDelayMs") * MS;
    this.scanPeriodMinMs = num(opts.scanPeriodMinMs, 1000, "scanPeriodMinMs", 1);
    this.scanPeriodMaxMs = num(opts.scanPeriodMaxMs, 60_000, "scanPeriodMaxMs", 1);
    if (this.scanPeriodMaxMs < this.scanPeriodMinMs)
      throw new RangeError("NUMA balancing: scanPeriodMaxMs must be ≥ scanPeriodMinMs");
    this.scanPages = Math.max(
      1,
      Math.floor(num(opts.scanSizeBytes, 256 * MiB, "scanSizeBytes", PAGE_SIZE) / PAGE_SIZE),
    );
    this.hotThresholdNs = num(opts.hotThresholdMs, 1000, "hotThresholdMs") * MS;
    this.promoteLimitPages = Math.floor(
      (num(opts.promoteRateLimitMBps, 65536, "promoteRateLimitMBps") * MiB) / PAGE_SIZE,
    );
    this.handlerNs = num(opts.handlerNs, 200, "handlerNs");
    this.hotness = opts.hotness;
    const nn = machine.nrNodes;
    let fastest = Infinity;
    for (let n = 0; n < nn; n++) fastest = Math.min(fastest, machine.latency[n * nn + n]);
    // A node slower than the fastest node's local access is a slow (lower) tier.
    this.slowNode = Array.from({ length: nn }, (_, n) => machine.latency[n * nn + n] > fastest);
    this.promotionLimit = new PromotionRateLimit(nn, this.promoteLimitPages);
    this.stats = {
      scans: 0,
      pagesArmed: 0,
      scanNs: 0,
      faults: 0,
      byCpuNode: Array.from({ length: nn }, () => ({ local: 0, remote: 0 })),
      migrations: 0,
      filteredByLastNode: 0,
      migrationFailures: 0,
      promotions: 0,
      notHot: 0,
      rateLimited: 0,
      maxPromotedInWindow: 0,
      tasks: [],
    };
    this.nextDiscoveryNs = machine.nowNs;
    numaBalancings.set(machine, this);
    if (opts.enabled ?? true) this.setEnabled(true);
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Whether `node` is a slow tier (its local access is slower than the fastest node's). */
  isSlowNode(node: number): boolean {
    return this.slowNode[node];
  }

  /**
   * The run-time switch (the numa_balancing sysctl). Generic mode: on registers
   * the owner, off unregisters it (clearing its bits on every armed page). Piggyback
   * mode reproduces the RFC: the pages stay armed and only the global switch the
   * faults are routed by flips (the owner stays registered so its pages are known).
   */
  setEnabled(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    if (this.fw.isolation !== "generic") {
      this.handle ??= this.fw.register(this);
      this.fw.numaBalancingEnabled = on;
    } else if (on) this.handle = this.fw.register(this);
    else {
      this.fw.unregister(this.handle!);
      this.handle = null;
    }
    if (on) {
      const now = this.machine.nowNs;
      this.nextDiscoveryNs = now;
      for (const t of this.tasks.values()) t.nextScanNs = Math.max(t.nextScanNs, now + this.scanDelayNs);
    }
  }

  // ------------------------------------------------------------------ agent

  nextWakeNs(): number {
    if (!this.enabled) return Infinity;
    let t = this.nextDiscoveryNs;
    for (const s of this.tasks.values()) t = Math.min(t, s.nextScanNs);
    return t;
  }

  wake(nowNs: number): void {
    if (!this.enabled) return;
    if (nowNs >= this.nextDiscoveryNs) {
      this.discover(nowNs);
      this.nextDiscoveryNs = nowNs + Math.max(this.scanDelayNs, this.scanPeriodMinMs * MS);
    }
    for (const t of this.tasks.values()) {
      if (t.nextScanNs > nowNs) continue;
      if (!this.machine.isAlive(t.as.pid)) {
        t.nextScanNs = Infinity;
        continue;
      }
      this.adaptPeriod(t, nowNs);
      this.scan(t, nowNs);
      t.nextScanNs = nowNs + t.periodMs * MS;
    }
  }

  /** New live processes with threads become tasks; their first scan is a scan delay away. */
  private discover(nowNs: number): void {
    const m = this.machine;
    for (const as of m.spaces) {
      if (this.tasks.has(as.pid) || !m.isAlive(as.pid)) continue;
      const th = m.threads.find((x) => x.as === as && !x.done);
      if (th === undefined) continue;
      // The scan runs as task work in the task's own context: it costs that CPU's time.
      const acct = new CostAccount(`numa-balancing:${as.pid}`, th.cpu.id);
      const periodMs = Math.min(this.scanPeriodMaxMs, Math.max(this.scanPeriodMinMs, this.scanDelayNs / MS));
      const stats: NumaTaskStats = {
        pid: as.pid,
        scans: 0,
        pagesArmed: 0,
        faultsByPageNode: new Array<number>(m.nrNodes).fill(0),
        local: 0,
        remote: 0,
        preferredNode: -1,
        scanPeriodMs: periodMs,
        windows: [],
      };
      this.stats.tasks.push(stats);
      this.tasks.set(as.pid, {
        as,
        acct,
        nextScanNs: nowNs + this.scanDelayNs,
        offset: 0,
        periodMs,
        winLocal: 0,
        winRemote: 0,
        stats,
      });
    }
  }

  /** The scan period for the next window, from this window's faults (`nextScanPeriodMs`). */
  private adaptPeriod(t: TaskState, nowNs: number): void {
    if (t.stats.scans === 0) return;
    t.periodMs = nextScanPeriodMs(
      t.periodMs,
      t.winLocal,
      t.winRemote,
      this.scanPeriodMinMs,
      this.scanPeriodMaxMs,
    );
    t.stats.scanPeriodMs = t.periodMs;
    t.stats.windows.push({ endNs: nowNs, local: t.winLocal, remote: t.winRemote, periodMs: t.periodMs });
    t.winLocal = 0;
    t.winRemote = 0;
  }

  /**
   * Arms the next `scanPages` present pages from the task's scan offset (bounded
   * to 8× as many virtual pages walked), wrapping to the start of the address
   * space at its end. Text and library mappings and inaccessible VMAs are skipped
   * (the kernel skips read-only file mappings and PROT_NONE VMAs); in tiering-only
   * mode only slow-tier pages are armed, as the kernel skips top-tier pages there.
   */
  private scan(t: TaskState, nowNs: number): void {
    const m = this.machine;
    const h = this.handle!;
    const pid = t.as.pid;
    const vmas = t.as.vmas;
    const fastToo = this.normal;
    let budget = this.scanPages;
    let virt = this.scanPages * VIRT_SCAN_FACTOR;
    let armed = 0;
    const before = t.acct.ns;
    let wrapped = false;
    let k = vmas.findIndex((v) => v.end > t.offset);
    if (k < 0) {
      k = 0;
      t.offset = 0;
      wrapped = true;
    }
    let runStart = -1;
    let runEnd = -1;
    const flushRun = (): void => {
      if (runStart >= 0) armed += this.fw.armRange(h, pid, runStart, runEnd, t.acct);
      runStart = -1;
    };
    outer: for (;;) {
      if (k >= vmas.length) {
        flushRun();
        if (wrapped) break;
        wrapped = true;
        k = 0;
        t.offset = 0;
        continue;
      }
      const v = vmas[k];
      if (!v.hasPages || v.kind === "text" || v.kind === "lib" || v.prot === 0) {
        k++;
        continue;
      }
      const node = m.frames.node;
      const from = Math.max(v.startPage, Math.floor(t.offset / PAGE_SIZE)) - v.startPage;
      for (let i = from; i < v.nrPages; i++) {
        if (budget <= 0 || virt <= 0) {
          t.offset = (v.startPage + i) * PAGE_SIZE;
          break outer;
        }
        virt--;
        const eligible = (v.flagAt(i) & PTE_PRESENT) !== 0 && (fastToo || this.slowNode[node[v.frameAt(i)]]);
        if (!eligible) {
          flushRun();
          continue;
        }
        const a = (v.startPage + i) * PAGE_SIZE;
        if (runStart < 0) runStart = a;
        runEnd = a + PAGE_SIZE;
        const c = v.chunkOf(v.startPage + i)!; // present: its chunk exists
        this.pageState(c).scanNs[v.startPage + i - c.startPage] = nowNs;
        budget--;
      }
      flushRun();
      t.offset = v.end;
      k++;
    }
    flushRun();
    t.stats.scans++;
    t.stats.pagesArmed += armed;
    this.stats.scans++;
    this.stats.pagesArmed += armed;
    this.stats.scanNs += t.acct.ns - before;
  }

  private pageState(c: PageChunk): PageState {
    const n = c.flags.length;
    let s = this.pages.get(c);
    if (s === undefined || s.lastNode.length < n) {
      const lastNode = new Int8Array(n).fill(-1);
      const scanNs = new Float64Array(n).fill(-Infinity);
      if (s !== undefined) {
        lastNode.set(s.lastNode);
        scanNs.set(s.scanNs);
      }
      s = { lastNode, scanNs };
      this.pages.set(c, s);
    }
    return s;
  }

  // ---------------------------------------------------------- fault handler

  /**
   * A hint fault: statistics, then the placement decision. A slow-tier page in
   * tiering mode is promoted when the fault came within the hot threshold of the
   * scan that armed it and the node's promotion budget allows. Otherwise a page
   * off the faulting CPU's node migrates there only when the previous hint fault
   * on it came from the same node (the kernel's last-cpupid two-fault filter,
   * which keeps pages shared between nodes from bouncing).
   */
  onFault(f: HintFault): number {
    const m = this.machine;
    const t = this.tasks.get(f.pid);
    const local = f.pageNode === f.cpuNode;
    this.stats.faults++;
    const byCpu = this.stats.byCpuNode[f.cpuNode];
    if (local) byCpu.local++;
    else byCpu.remote++;
    if (t !== undefined) {
      const s = t.stats;
      s.faultsByPageNode[f.pageNode]++;
      if (local) {
        s.local++;
        t.winLocal++;
      } else {
        s.remote++;
        t.winRemote++;
      }
      if (s.preferredNode < 0 || s.faultsByPageNode[f.pageNode] > s.faultsByPageNode[s.preferredNode])
        s.preferredNode = f.pageNode;
    }
    const v = m.process(f.pid).vmaAt(f.vaddr);
    if (v === null || !v.hasPages) return this.handlerNs;
    const vpn = Math.floor(f.vaddr / PAGE_SIZE);
    const c = v.chunkOf(vpn);
    if (c === null) return this.handlerNs;
    const idx = vpn - c.startPage;
    const ps = this.pageState(c);
    const prev = ps.lastNode[idx];
    ps.lastNode[idx] = f.cpuNode;
    if (local) return this.handlerNs;

    if (this.tiering && this.slowNode[f.pageNode] && !this.slowNode[f.cpuNode]) {
      if (this.hotness) return this.handlerNs + this.hotness.recordAccess(f);
      if (f.timeNs - ps.scanNs[idx] >= this.hotThresholdNs) {
        this.stats.notHot++;
        return this.handlerNs;
      }
      if (!this.promotionLimit.allows(f.cpuNode, f.timeNs)) {
        this.stats.rateLimited++;
        return this.handlerNs;
      }
      const cost = this.migrate(f);
      if (cost >= 0) {
        this.stats.promotions++;
        const n = this.promotionLimit.count(f.cpuNode);
        this.stats.maxPromotedInWindow = Math.max(this.stats.maxPromotedInWindow, n);
      }
      return this.handlerNs + Math.max(0, cost);
    }
    if (!this.normal) return this.handlerNs;
    if (prev !== f.cpuNode) {
      this.stats.filteredByLastNode++;
      return this.handlerNs;
    }
    const cost = this.migrate(f);
    if (cost >= 0) this.stats.migrations++;
    return this.handlerNs + Math.max(0, cost);
  }

  /** Migrates the faulting page to the faulting CPU's node; its cost (ns), or -1 if the node is full. */
  private migrate(f: HintFault): number {
    const a = this.migrateAcct;
    const before = a.ns;
    if (!this.machine.migratePage(f.pid, f.vaddr, f.cpuNode, a)) {
      this.stats.migrationFailures++;
      return -1;
    }
    return a.ns - before;
  }
}
