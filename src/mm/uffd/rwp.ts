/**
 * A userfaultfd RWP ("read-write protect") consumer on the hinting framework, as
 * a VMM would use it to track a guest's working set (the uffd RWP series, v6
 * May 2026: UFFDIO_REGISTER_MODE_RWP, PAGE_NONE plus a uffd PTE bit, an async
 * mode, PAGEMAP_SCAN with PAGE_IS_ACCESSED; docs/interference.md). Ranges are
 * registered; protecting arms every present page as owner `uffd-rwp`; the next
 * access faults. In async mode the kernel restores the PTE in place and the page
 * reads as accessed; in sync mode the fault is delivered to a user handler and
 * the faulting thread waits a user-space round trip (virtual time). A
 * PAGEMAP_SCAN-like read-and-clear returns the accessed pages of the registered
 * ranges and protects them again — the working-set estimator runs it once per
 * scan period.
 */
import { CostAccount } from "../cost-model.js";
import type { Agent, Simulation } from "../driver.js";
import { hintingOf, UFFD_OWNER } from "../hinting/index.js";
import type {
  HintFault,
  HintingFramework,
  HintingOptions,
  HintOwner,
  OwnerHandle,
} from "../hinting/index.js";
import type { Machine } from "../machine.js";
import { PAGE_SIZE, PTE_ARMED, PTE_PRESENT } from "../vma.js";

const MS = 1_000_000;

export type UffdRwpMode = "async" | "sync";

export interface UffdRwpOptions {
  /** async: the kernel resolves the fault in place; sync: a user handler does (default async). */
  mode?: UffdRwpMode;
  /** Working-set scan period (PAGEMAP_SCAN read-and-clear), ms (default 1000). */
  scanPeriodMs?: number;
  /** Kernel work of an async fault beyond the framework's fault cost: mark accessed (ns, default 100). */
  asyncHandlerNs?: number;
  /**
   * Sync: what the faulting thread waits for — the handler thread woken, read()
   * of the message, UFFDIO_RWPROTECT to resolve, the faulting thread woken (ns,
   * default 8000: two context switches and two syscalls).
   */
  syncRoundTripNs?: number;
  /** Sync: the handler thread's own CPU time per fault, charged to the VMM (ns, default 2000). */
  syncHandlerCpuNs?: number;
  /** PAGEMAP_SCAN: page-table walk per page of the registered ranges (ns, default 5). */
  scanPerPageNs?: number;
  /** Hinting framework options, when this call creates the framework. */
  hinting?: HintingOptions;
}

/** One scan period's result: the pages accessed since the previous scan. */
export interface UffdScan {
  startNs: number;
  endNs: number;
  accessedPages: number;
  /** Pages (re)protected by the scan. */
  protectedPages: number;
}

export interface UffdRwpStats {
  faults: number;
  /** VMM time: scans, protection and (sync) the handler thread, ns. */
  vmmNs: number;
  /** Sync: user-space round trips the faulting threads waited for. */
  roundTrips: number;
  scans: number;
}

interface Range {
  pid: number;
  start: number;
  end: number;
}

export class UffdRwp implements HintOwner, Agent {
  readonly name = UFFD_OWNER;
  readonly fw: HintingFramework;
  readonly mode: UffdRwpMode;
  readonly scanPeriodNs: number;
  readonly scans: UffdScan[] = [];
  readonly stats: UffdRwpStats = { faults: 0, vmmNs: 0, roundTrips: 0, scans: 0 };
  /** The VMM's account: its ioctls and handler thread run beside the application (no CPU stolen). */
  readonly acct = new CostAccount("uffd-vmm");
  private readonly ranges: Range[] = [];
  private handle: OwnerHandle | null = null;
  private readonly asyncNs: number;
  private readonly roundTripNs: number;
  private readonly handlerCpuNs: number;
  private readonly perPageNs: number;
  private nextScanNs = 0;
  private lastScanNs = -1;

  constructor(
    readonly machine: Machine,
    opts: UffdRwpOptions = {},
  ) {
    this.fw = hintingOf(machine, opts.hinting);
    this.mode = opts.mode ?? "async";
    const num = (v: number | undefined, d: number, what: string, min = 0): number => {
      const x = v ?? d;
      if (!(Number.isFinite(x) && x >= min))
        throw new RangeError(`uffd-rwp: ${what} must be ≥ ${min}, got ${x}`);
      return x;
    };
    this.scanPeriodNs = num(opts.scanPeriodMs, 1000, "scanPeriodMs", 1) * MS;
    this.asyncNs = num(opts.asyncHandlerNs, 100, "asyncHandlerNs");
    this.roundTripNs = num(opts.syncRoundTripNs, 8000, "syncRoundTripNs");
    this.handlerCpuNs = num(opts.syncHandlerCpuNs, 2000, "syncHandlerCpuNs");
    this.perPageNs = num(opts.scanPerPageNs, 5, "scanPerPageNs");
  }

  get registered(): boolean {
    return this.handle !== null;
  }

  /** UFFDIO_REGISTER with MODE_RWP: the range is tracked from the next protect on. */
  registerRange(pid: number, start: number, end: number): void {
    if (!(end > start)) throw new RangeError(`uffd-rwp: empty range ${start}..${end}`);
    this.handle ??= this.fw.register(this);
    this.ranges.push({ pid, start, end });
  }

  /** Registers every data mapping of `pid` (not text or libraries), as a VMM registers guest memory. */
  registerProcess(pid: number): void {
    for (const v of this.machine.process(pid).vmas)
      if (!v.fileBacked) this.registerRange(pid, v.start, v.end);
  }

  /** Whether `vaddr` of `pid` lies in a registered range. */
  covers(pid: number, vaddr: number): boolean {
    for (const r of this.ranges) if (r.pid === pid && vaddr >= r.start && vaddr < r.end) return true;
    return false;
  }

  /** UFFDIO_UNREGISTER of every range: the framework drops this owner's protection. */
  unregister(): void {
    if (this.handle !== null) this.fw.unregister(this.handle);
    this.handle = null;
    this.ranges.length = 0;
  }

  /** UFFDIO_RWPROTECT over every registered range: arms every present page. Returns pages armed. */
  protect(): number {
    if (this.handle === null) return 0;
    const before = this.acct.ns;
    let n = 0;
    for (const r of this.ranges)
      if (this.machine.isAlive(r.pid)) n += this.fw.armRange(this.handle, r.pid, r.start, r.end, this.acct);
    this.stats.vmmNs += this.acct.ns - before;
    return n;
  }

  /**
   * PAGEMAP_SCAN with PAGE_IS_ACCESSED: the pages of the registered ranges that
   * are present and no longer protected (touched since the last protect, or
   * faulted in since). With `clear`, they are protected again.
   */
  pagemapScan(clear: boolean): { accessedPages: number; protectedPages: number } {
    if (this.handle === null) return { accessedPages: 0, protectedPages: 0 };
    const bit = 1 << this.handle.bit;
    let accessed = 0;
    let walked = 0;
    for (const r of this.ranges) {
      if (!this.machine.isAlive(r.pid)) continue;
      for (const v of this.machine.process(r.pid).vmas) {
        if (v.end <= r.start || v.start >= r.end || !v.hasPages) continue;
        const a = Math.max(v.startPage, Math.floor(r.start / PAGE_SIZE));
        const b = Math.min(v.endPage, Math.ceil(r.end / PAGE_SIZE));
        walked += b - a;
        for (const c of v.chunksIn(a, b)) {
          const flags = c.flags;
          const owners = c.owners;
          const hi = Math.min(b, c.endPage) - c.startPage;
          for (let i = Math.max(a, c.startPage) - c.startPage; i < hi; i++) {
            if (!(flags[i] & PTE_PRESENT)) continue;
            const mine = owners !== null && (owners[i] & bit) !== 0 && (flags[i] & PTE_ARMED) !== 0;
            if (!mine) accessed++;
          }
        }
      }
    }
    this.machine.charge(this.acct, walked * this.perPageNs);
    this.stats.vmmNs += walked * this.perPageNs;
    return { accessedPages: accessed, protectedPages: clear ? this.protect() : 0 };
  }

  /** An RWP fault: async resolves in the kernel; sync waits for the user handler's round trip. */
  onFault(_f: HintFault): number {
    this.stats.faults++;
    if (this.mode === "async") return this.asyncNs;
    this.stats.roundTrips++;
    this.machine.charge(this.acct, this.handlerCpuNs);
    this.stats.vmmNs += this.handlerCpuNs;
    return this.roundTripNs;
  }

  // ------------------------------------------------ the working-set estimator

  nextWakeNs(): number {
    return this.handle === null ? Infinity : this.nextScanNs;
  }

  /** Each scan period: read-and-clear; the first wake only protects. */
  wake(nowNs: number): void {
    if (this.handle === null) return;
    if (this.lastScanNs < 0) this.protect();
    else {
      const r = this.pagemapScan(true);
      this.scans.push({ startNs: this.lastScanNs, endNs: nowNs, ...r });
      this.stats.scans++;
    }
    this.lastScanNs = nowNs;
    this.nextScanNs = nowNs + this.scanPeriodNs;
  }
}

/** A VMM tracking all of `pid`'s data mappings, its scan added to `sim` as an agent. */
export function attachUffdRwp(sim: Simulation, m: Machine, pid: number, opts: UffdRwpOptions = {}): UffdRwp {
  const u = new UffdRwp(m, opts);
  u.registerProcess(pid);
  sim.addAgent(u);
  return u;
}
