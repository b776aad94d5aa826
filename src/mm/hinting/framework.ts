/**
 * The generic fault-then-restore ("hinting fault") framework asked for in the
 * review of DAMON's page-fault sampling RFC (damon-spec.md §5.5.4): owners (NUMA
 * balancing, DAMON, …) arm pages; every armed page records which owners armed it
 * in its own bit mask, kept apart from the page's protection; the next access
 * faults, the fault goes to exactly the owners whose bit is set, the bits are
 * cleared and the page is back exactly as it was.
 *
 * The `piggyback` mode reproduces the rejected RFC design for comparison: one
 * shared PROT_NONE state with no owner and the handler picked by "is NUMA
 * balancing enabled right now". Its restore is the RFC's `do_damon_page`, which
 * rebuilds the PTE like NUMA balancing's `do_numa_page` (numa_rebuild_single_mapping:
 * pte_modify with the VMA's protection, write upgrade only where
 * can_change_pte_writable allows it), so COW / uffd-wp pages stay write-protected
 * there too (damon-spec.md §5.5.3): the review's objection was misrouting, not
 * lost protection. The RFC has no owners: piggyback pages stay armed until they
 * fault (no withdrawal: `disarm` is refused), and unregistering an owner only
 * stops routing to it — its pages stay armed. Who armed each page is still
 * recorded there (a fixed bit per name, NUMA balancing and DAMON) — only so the
 * misrouted faults can be counted.
 */
import type { CostAccount } from "../cost-model.js";
import type { Machine, SimThread } from "../machine.js";
import { PAGE_SIZE, PTE_ARMED, PTE_PRESENT } from "../vma.js";
import type { Vma } from "../vma.js";

/** What an owner learns from a fault on a page it armed. */
export interface HintFault {
  pid: number;
  tid: number;
  cpu: number;
  /** Node of the faulting CPU. */
  cpuNode: number;
  /** Page-aligned virtual and physical addresses of the faulting page. */
  vaddr: number;
  paddr: number;
  /** Node the page's frame is on. */
  pageNode: number;
  isWrite: boolean;
  timeNs: number;
}

/** A fault consumer. `onFault` returns its handler time in ns, charged to the faulting CPU. */
export interface HintOwner {
  readonly name: string;
  onFault(f: HintFault): number;
}

export type HintingMode = "generic" | "piggyback";

/** A registered owner: its bit in the per-page masks. */
export interface OwnerHandle {
  readonly owner: HintOwner;
  readonly bit: number;
}

export interface HintingCosts {
  /** change_protection on one page (PTE rewrite), charged to the arming account. */
  armNs: number;
  /** Fault entry/exit and restore on the faulting CPU, before the owners' handlers. */
  faultNs: number;
}

export const DEFAULT_HINTING_COSTS: Readonly<HintingCosts> = Object.freeze({ armNs: 150, faultNs: 1000 });

export interface HintingStats {
  /** Faults delivered, per owner name. */
  delivered: Record<string, number>;
  /** Piggyback: faults on pages only DAMON armed that went to NUMA balancing (DAMON lost the access). */
  misroutedToNuma: number;
  /** Piggyback: faults on pages only NUMA balancing armed that went to DAMON (bogus report, lost NUMA fault). */
  misroutedToDamon: number;
  /** Faults on armed pages no current owner wanted (its owners unregistered): restored silently. */
  staleRestores: number;
  /** Pages armed, per owner name. */
  armed: Record<string, number>;
  /** Pages withdrawn without a fault, per owner name. */
  disarmed: Record<string, number>;
}

export interface HintingOptions {
  mode?: HintingMode;
  costs?: Partial<HintingCosts>;
}

/** Owner names that the piggyback routing recognises. */
export const NUMA_OWNER = "numa-balancing";
export const DAMON_OWNER = "damon";

const MAX_OWNERS = 8;
const PIGGYBACK_NUMA_BIT = 0;
const PIGGYBACK_DAMON_BIT = 1;

export class HintingFramework {
  readonly mode: HintingMode;
  readonly costs: HintingCosts;
  private readonly owners: (OwnerHandle | null)[] = new Array<OwnerHandle | null>(MAX_OWNERS).fill(null);
  /** Piggyback only: whether NUMA balancing is enabled (the global switch the RFC routes by). */
  numaBalancingEnabled = false;
  readonly stats: HintingStats = {
    delivered: {},
    misroutedToNuma: 0,
    misroutedToDamon: 0,
    staleRestores: 0,
    armed: {},
    disarmed: {},
  };
  /** Called after every fault is handled (tests check invariants here). */
  afterFault: ((vma: Vma, idx: number) => void) | null = null;

  constructor(
    readonly machine: Machine,
    opts: HintingOptions = {},
  ) {
    this.mode = opts.mode ?? "generic";
    this.costs = { ...DEFAULT_HINTING_COSTS, ...opts.costs };
    if (machine.hintingHandler !== null) throw new Error("the machine already has a hinting-fault handler");
    machine.hintingHandler = (th, vma, idx, vaddr, isWrite, nowNs) =>
      this.handleFault(th, vma, idx, vaddr, isWrite, nowNs);
  }

  /**
   * Registers an owner; it may arm pages from now on. Piggyback mode knows only
   * NUMA balancing and DAMON, each at a fixed bit (the record of who armed a page
   * survives unregistering, as the RFC's PROT_NONE entries do).
   */
  register(owner: HintOwner): OwnerHandle {
    let bit: number;
    if (this.mode === "piggyback") {
      bit =
        owner.name === NUMA_OWNER
          ? PIGGYBACK_NUMA_BIT
          : owner.name === DAMON_OWNER
            ? PIGGYBACK_DAMON_BIT
            : -1;
      if (bit < 0)
        throw new Error(
          `the piggyback design routes only ${NUMA_OWNER} and ${DAMON_OWNER}, not ${owner.name}`,
        );
      if (this.owners[bit] !== null) throw new Error(`${owner.name} is already registered`);
    } else {
      bit = this.owners.indexOf(null);
      if (bit < 0) throw new Error(`at most ${MAX_OWNERS} hinting owners`);
    }
    const h: OwnerHandle = { owner, bit };
    this.owners[bit] = h;
    this.stats.delivered[owner.name] ??= 0;
    this.stats.armed[owner.name] ??= 0;
    return h;
  }

  /**
   * Unregisters an owner. Generic mode clears its bit on every page, so no fault
   * can reach it any more; pages left with no owner stay armed and are restored
   * silently at their next access (a stale restore). O(armed-capable pages): rare,
   * not per access. Piggyback mode only stops routing to it: the RFC had no owner
   * bits to clear, its PROT_NONE pages stay armed.
   */
  unregister(h: OwnerHandle): void {
    if (this.owners[h.bit] !== h) return;
    this.owners[h.bit] = null;
    if (this.mode === "piggyback") return;
    const clear = ~(1 << h.bit) & 0xff;
    for (const as of this.machine.spaces) {
      for (const v of as.vmas) {
        if (v.owners === null) continue;
        for (let i = 0; i < v.owners.length; i++) v.owners[i] &= clear;
      }
    }
  }

  isRegistered(h: OwnerHandle): boolean {
    return this.owners[h.bit] === h;
  }

  /**
   * Arms one present page of `pid` for owner `h`: sets its owner bit and the armed
   * state, flushes its TLB entries (as change_protection does) and charges the
   * arming to `acct`. Returns false when the page is not present (nothing to arm).
   */
  arm(h: OwnerHandle, pid: number, vaddr: number, acct: CostAccount): boolean {
    if (!this.isRegistered(h)) throw new Error(`${h.owner.name} is not registered`);
    const m = this.machine;
    const as = m.process(pid);
    const v = as.vmaAt(vaddr);
    if (!v || v.flags === null) return false;
    const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    if (!(v.flags[idx] & PTE_PRESENT)) return false;
    if (v.owners === null) v.owners = new Uint8Array(v.flags.length);
    v.owners[idx] |= 1 << h.bit;
    v.flags[idx] |= PTE_ARMED;
    this.stats.armed[h.owner.name]++;
    m.charge(acct, this.costs.armNs);
    m.flushTlbPage(pid, vaddr, acct);
    return true;
  }

  /**
   * Withdraws owner `h` from one page without a fault: clears its bit and, when no
   * other owner is left, restores the page (a PTE write and a TLB flush, charged
   * to `acct`). Returns false when the page was not armed by `h`. Generic mode
   * only: the RFC's shared PROT_NONE state has no owner to withdraw.
   */
  disarm(h: OwnerHandle, pid: number, vaddr: number, acct: CostAccount): boolean {
    if (this.mode === "piggyback")
      throw new Error(
        "the piggyback design cannot withdraw an owner from a page: pages stay armed until they fault",
      );
    if (!this.isRegistered(h)) return false;
    const m = this.machine;
    if (!m.isAlive(pid)) return false;
    const v = m.process(pid).vmaAt(vaddr);
    if (!v || v.flags === null || v.owners === null) return false;
    const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    const bit = 1 << h.bit;
    if (!(v.owners[idx] & bit)) return false;
    v.owners[idx] &= ~bit;
    if (v.owners[idx] === 0 && v.flags[idx] & PTE_ARMED) {
      v.flags[idx] &= ~PTE_ARMED;
      m.charge(acct, this.costs.armNs);
      m.flushTlbPage(pid, vaddr, acct);
    }
    this.stats.disarmed[h.owner.name] = (this.stats.disarmed[h.owner.name] ?? 0) + 1;
    return true;
  }

  /** Arms every present page of [start, end) of `pid` (NUMA balancing's scanner). Returns pages armed. */
  armRange(h: OwnerHandle, pid: number, start: number, end: number, acct: CostAccount): number {
    if (!this.isRegistered(h)) throw new Error(`${h.owner.name} is not registered`);
    const m = this.machine;
    const as = m.process(pid);
    let n = 0;
    const bit = 1 << h.bit;
    for (const v of as.vmas) {
      if (v.end <= start || v.start >= end || v.flags === null) continue;
      const a = Math.max(v.startPage, Math.floor(start / PAGE_SIZE)) - v.startPage;
      const b = Math.min(v.endPage, Math.ceil(end / PAGE_SIZE)) - v.startPage;
      for (let i = a; i < b; i++) {
        if (!(v.flags[i] & PTE_PRESENT)) continue;
        if (v.owners === null) v.owners = new Uint8Array(v.flags.length);
        v.owners[i] |= bit;
        v.flags[i] |= PTE_ARMED;
        n++;
      }
    }
    if (n > 0) {
      this.stats.armed[h.owner.name] += n;
      m.charge(acct, this.costs.armNs * n);
      // One ranged flush (the kernel flushes the whole range after change_protection).
      for (const c of m.cpus) {
        if (c.tlb !== null && c.tlb.flushAll(as.asid) > 0 && c.id !== acct.cpu) {
          m.shootdowns++;
          m.shootdownReceived(c);
        }
      }
      acct.tlbFlushes++;
      m.charge(acct, m.costs.tlbFlushLocalNs + (m.cpus.length - 1) * m.costs.tlbShootdownPerCpuNs);
    }
    return n;
  }

  private handleFault(
    th: SimThread,
    vma: Vma,
    idx: number,
    vaddr: number,
    isWrite: boolean,
    nowNs: number,
  ): number {
    const mask = vma.owners === null ? 0 : vma.owners[idx];
    const pfn = vma.frames![idx];
    const m = this.machine;
    const f: HintFault = {
      pid: th.as.pid,
      tid: th.tid,
      cpu: th.cpu.id,
      cpuNode: th.cpu.node,
      vaddr,
      paddr: pfn * PAGE_SIZE,
      pageNode: m.frames.node[pfn],
      isWrite,
      timeNs: nowNs,
    };
    let cost = this.costs.faultNs;
    if (this.mode === "generic") {
      // Exact restore: clear the armed state and the owner bits; protection bits untouched.
      vma.flags![idx] &= ~PTE_ARMED;
      if (vma.owners !== null) vma.owners[idx] = 0;
      if (mask === 0) this.stats.staleRestores++;
      for (let b = 0; b < MAX_OWNERS; b++) {
        if (!(mask & (1 << b))) continue;
        const h = this.owners[b];
        if (h === null) continue;
        this.stats.delivered[h.owner.name]++;
        cost += h.owner.onFault(f);
      }
    } else {
      cost += this.piggybackFault(vma, idx, mask, f);
    }
    this.afterFault?.(vma, idx);
    return cost;
  }

  /** The RFC's routing: one shared state, handler chosen by the NUMA-balancing switch. */
  private piggybackFault(vma: Vma, idx: number, mask: number, f: HintFault): number {
    const numa = this.owners[PIGGYBACK_NUMA_BIT];
    const damon = this.owners[PIGGYBACK_DAMON_BIT];
    // Fixed bits in this mode (see register): the record outlives unregistering.
    const armedByNuma = (mask & (1 << PIGGYBACK_NUMA_BIT)) !== 0;
    const armedByDamon = (mask & (1 << PIGGYBACK_DAMON_BIT)) !== 0;
    // do_damon_page rebuilds the entry as do_numa_page does: the protection stays
    // (a COW / uffd-wp page is not made writable), only PROT_NONE goes.
    vma.flags![idx] &= ~PTE_ARMED;
    if (vma.owners !== null) vma.owners[idx] = 0;
    const to = this.numaBalancingEnabled ? numa : damon;
    if (to === null) {
      this.stats.staleRestores++;
      return 0;
    }
    if (to === numa && armedByDamon && !armedByNuma) this.stats.misroutedToNuma++;
    if (to === damon && armedByNuma && !armedByDamon) this.stats.misroutedToDamon++;
    if (!armedByNuma && !armedByDamon) this.stats.staleRestores++;
    this.stats.delivered[to.owner.name]++;
    return to.owner.onFault(f);
  }

  /** Detaches from the machine (faults on still-armed pages are then restored silently). */
  detach(): void {
    if (this.machine.hintingHandler !== null) this.machine.hintingHandler = null;
  }
}
