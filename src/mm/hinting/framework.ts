/**
 * The generic fault-then-restore ("hinting fault") framework asked for in the
 * review of DAMON's page-fault sampling RFC (damon-spec.md §5.5.4): owners (NUMA
 * balancing, DAMON, userfaultfd RWP, …) arm pages; every armed page records
 * which owners armed it in its own bit mask, kept apart from the page's
 * protection; the next access faults, the fault goes to exactly the owners whose
 * bit is set, the bits are cleared and the page is back exactly as it was.
 *
 * The other isolation policies (src/mm/hinting/isolation.ts, docs/interference.md)
 * are modes of the same framework: one shared PROT_NONE state with no owner, the
 * handler picked by the policy (`run-time` — formerly `piggyback` — is the
 * rejected RFC: "is NUMA balancing enabled right now"). Their restore is the
 * RFC's `do_damon_page`, which rebuilds the PTE like NUMA balancing's
 * `do_numa_page` (pte_modify with the VMA's protection, write upgrade only where
 * can_change_pte_writable allows it), so COW / uffd-wp pages stay write-protected
 * there too (damon-spec.md §5.5.3). These modes have no owners in hardware:
 * pages stay armed until they fault (`disarm` is refused), and unregistering an
 * owner only stops routing to it — its pages stay armed. Who asked to arm each
 * page is still recorded (a fixed bit per name) — only so that misrouted and
 * lost hints can be counted. userfaultfd RWP keeps its own PTE bit in every mode
 * (the uffd series), so its faults are told apart there.
 */
import type { CostAccount } from "../cost-model.js";
import type { Machine, SimThread } from "../machine.js";
import { PAGE_SIZE, PTE_ARMED, PTE_PRESENT } from "../vma.js";
import type { Vma } from "../vma.js";
import { ConfigError } from "../../util/errors.js";
import {
  DAMON_BIT,
  DAMON_OWNER,
  fixedBit,
  isActive,
  isolationOf,
  isSharedByDesign,
  mayArm,
  NUMA_BIT,
  NUMA_OWNER,
  routeShared,
  UFFD_BIT,
  UFFD_OWNER,
} from "./isolation.js";
import type { HintingMode, IsolationMode, RouteState } from "./isolation.js";

export * from "./isolation.js";

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
  /** Faults delivered to an owner that did not arm the page (in its current registration), per owner name. */
  misrouted: Record<string, number>;
  /** Faults on a page an active owner armed that did not reach it, per owner name (routing: run-time). */
  lost: Record<string, number>;
  /** Protnone hints lost because an RWP fault took the page (userfaultfd's own PTE bit wins; shared-state modes). */
  lostToRwp: number;
  /** `partial`: faults DAMON received from NUMA balancing's arming, by the policy's design. */
  shared: number;
  /** Arms of a page another owner had armed already (a second PTE rewrite and flush for one access). */
  doubleArms: number;
  /** `partial`: DAMON arms not done because NUMA balancing was on. */
  deferredArms: number;
  /** `build-time`: registrations refused (the kernel was built with the other consumer). */
  refusedRegistrations: number;
  /** misrouted[numa-balancing] (DAMON's or nobody's samples handled as NUMA hint faults). */
  misroutedToNuma: number;
  /** misrouted[damon] (NUMA balancing's hint faults reported to DAMON as accesses). */
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
  /** `build-time`: the protnone consumer this kernel was built with (default DAMON). */
  builtIn?: typeof NUMA_OWNER | typeof DAMON_OWNER;
}

const MAX_OWNERS = 8;

/** A registration the isolation policy does not allow (build-time: the other consumer is not built in). */
export class HintingRefused extends ConfigError {}

export class HintingFramework {
  readonly mode: HintingMode;
  /** The policy (`piggyback` is `run-time`). */
  readonly isolation: IsolationMode;
  readonly builtIn: string;
  readonly costs: HintingCosts;
  private readonly owners: (OwnerHandle | null)[] = new Array<OwnerHandle | null>(MAX_OWNERS).fill(null);
  /** Shared-state modes: whether NUMA balancing is enabled (the global switch the RFC routes by). */
  numaBalancingEnabled = false;
  readonly stats: HintingStats = {
    delivered: {},
    misrouted: {},
    lost: {},
    lostToRwp: 0,
    shared: 0,
    doubleArms: 0,
    deferredArms: 0,
    refusedRegistrations: 0,
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
    this.isolation = isolationOf(this.mode);
    this.builtIn = opts.builtIn ?? DAMON_OWNER;
    this.costs = { ...DEFAULT_HINTING_COSTS, ...opts.costs };
    if (machine.hintingHandler !== null) throw new Error("the machine already has a hinting-fault handler");
    machine.hintingHandler = (th, vma, idx, vaddr, isWrite, nowNs) =>
      this.handleFault(th, vma, idx, vaddr, isWrite, nowNs);
  }

  /** Whether an owner called `name` may register under this policy (build-time has only one protnone consumer). */
  canRegister(name: string): boolean {
    if (this.isolation === "generic") return true;
    const bit = fixedBit(name);
    if (bit < 0) return false;
    return this.isolation !== "build-time" || bit === UFFD_BIT || name === this.builtIn;
  }

  /**
   * Registers an owner; it may arm pages from now on. The shared-state modes know
   * only NUMA balancing, DAMON and userfaultfd RWP, each at a fixed bit; build-time
   * refuses the protnone consumer the kernel was not built with (counted).
   */
  register(owner: HintOwner): OwnerHandle {
    let bit: number;
    if (this.isolation !== "generic") {
      bit = fixedBit(owner.name);
      if (bit < 0)
        throw new Error(
          `the ${this.mode} policy routes only ${NUMA_OWNER}, ${DAMON_OWNER} and ${UFFD_OWNER}, not ${owner.name}`,
        );
      if (!this.canRegister(owner.name)) {
        this.stats.refusedRegistrations++;
        throw new HintingRefused(
          `this kernel was built with ${this.builtIn}, not ${owner.name} (build-time isolation)`,
        );
      }
      if (this.owners[bit] !== null) throw new Error(`${owner.name} is already registered`);
    } else {
      bit = this.owners.indexOf(null);
      if (bit < 0) throw new Error(`at most ${MAX_OWNERS} hinting owners`);
    }
    const h: OwnerHandle = { owner, bit };
    this.owners[bit] = h;
    this.stats.delivered[owner.name] ??= 0;
    this.stats.armed[owner.name] ??= 0;
    this.stats.misrouted[owner.name] ??= 0;
    this.stats.lost[owner.name] ??= 0;
    return h;
  }

  /**
   * Unregisters an owner. Its bit is cleared on every page, so no fault can reach
   * it as its own (O(armed-capable pages): rare, not per access). Generic mode:
   * pages left with no owner stay armed and are restored silently at their next
   * access (a stale restore). Shared-state modes have no owner bits in hardware:
   * only the bookkeeping record is cleared, the pages stay PROT_NONE and their
   * faults go wherever the policy routes them — except userfaultfd's pages that
   * no one else asked to arm, which are restored (its PTE bit is real).
   */
  unregister(h: OwnerHandle): void {
    if (this.owners[h.bit] !== h) return;
    this.owners[h.bit] = null;
    // RWP's PTE bit is real in every mode: unregistering resolves its protection
    // on pages no one else asked to arm (a shared-state mode cannot tell the rest).
    const restoreRwp = this.isolation !== "generic" && h.bit === UFFD_BIT;
    const keep = ~(1 << h.bit) & 0xff;
    for (const as of this.machine.spaces) {
      for (const v of as.vmas) {
        for (const c of v.chunksIn()) {
          const owners = c.owners;
          if (owners === null) continue;
          for (let i = 0; i < owners.length; i++) {
            if (restoreRwp && owners[i] === 1 << UFFD_BIT) c.flags[i] &= ~PTE_ARMED;
            owners[i] &= keep;
          }
        }
      }
    }
  }

  /** The registered owners' bits and the NUMA balancing switch, for the shared-state routing. */
  private routeState(): RouteState {
    let registered = 0;
    for (let b = 0; b < MAX_OWNERS; b++) if (this.owners[b] !== null) registered |= 1 << b;
    return { registered, numaOn: this.numaBalancingEnabled };
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
    if (!v) return false;
    const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    const f = v.flagAt(idx);
    if (!(f & PTE_PRESENT)) return false;
    if (!this.mayArmNow(h)) return false;
    const o = v.ownerAt(idx);
    if (f & PTE_ARMED && o & ~(1 << h.bit)) this.stats.doubleArms++;
    v.setOwner(idx, o | (1 << h.bit));
    v.setFlag(idx, f | PTE_ARMED);
    this.stats.armed[h.owner.name]++;
    m.charge(acct, this.costs.armNs);
    m.flushTlbPage(pid, vaddr, acct);
    return true;
  }

  /**
   * Withdraws owner `h` from one page without a fault: clears its bit and, when no
   * other owner is left, restores the page (a PTE write and a TLB flush, charged
   * to `acct`). Returns false when the page was not armed by `h`. Generic mode
   * only: a shared PROT_NONE state has no owner to withdraw.
   */
  disarm(h: OwnerHandle, pid: number, vaddr: number, acct: CostAccount): boolean {
    if (this.isolation !== "generic")
      throw new Error(
        `the ${this.mode} design cannot withdraw an owner from a page: pages stay armed until they fault`,
      );
    if (!this.isRegistered(h)) return false;
    const m = this.machine;
    if (!m.isAlive(pid)) return false;
    const v = m.process(pid).vmaAt(vaddr);
    if (!v) return false;
    const idx = Math.floor(vaddr / PAGE_SIZE) - v.startPage;
    const bit = 1 << h.bit;
    const o = v.ownerAt(idx);
    if (!(o & bit)) return false;
    v.setOwner(idx, o & ~bit);
    if ((o & ~bit) === 0 && v.flagAt(idx) & PTE_ARMED) {
      v.setFlag(idx, v.flagAt(idx) & ~PTE_ARMED);
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
    if (!this.mayArmNow(h)) return 0;
    for (const v of as.vmas) {
      if (v.end <= start || v.start >= end) continue;
      const a = Math.max(v.startPage, Math.floor(start / PAGE_SIZE));
      const b = Math.min(v.endPage, Math.ceil(end / PAGE_SIZE));
      for (const c of v.chunksIn(a, b)) {
        const flags = c.flags;
        const hi = Math.min(b, c.endPage) - c.startPage;
        for (let i = Math.max(a, c.startPage) - c.startPage; i < hi; i++) {
          if (!(flags[i] & PTE_PRESENT)) continue;
          const owners = c.ensureOwners();
          if (flags[i] & PTE_ARMED && owners[i] & ~bit) this.stats.doubleArms++;
          owners[i] |= bit;
          flags[i] |= PTE_ARMED;
          n++;
        }
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

  /** `partial` defers DAMON's own arming while NUMA balancing is on (counted). */
  private mayArmNow(h: OwnerHandle): boolean {
    if (this.isolation === "generic" || mayArm(this.isolation, h.bit, this.routeState())) return true;
    this.stats.deferredArms++;
    return false;
  }

  private handleFault(
    th: SimThread,
    vma: Vma,
    idx: number,
    vaddr: number,
    isWrite: boolean,
    nowNs: number,
  ): number {
    const mask = vma.ownerAt(idx);
    const pfn = vma.frameAt(idx);
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
    // The restore is exact in every mode: the armed state and the record go,
    // protection bits are untouched (do_damon_page restores as do_numa_page does).
    vma.setFlag(idx, vma.flagAt(idx) & ~PTE_ARMED);
    vma.setOwner(idx, 0);
    let cost = this.costs.faultNs;
    if (this.isolation === "generic") {
      if (mask === 0) this.stats.staleRestores++;
      for (let b = 0; b < MAX_OWNERS; b++) {
        if (!(mask & (1 << b))) continue;
        const h = this.owners[b];
        if (h === null) continue;
        this.stats.delivered[h.owner.name]++;
        cost += h.owner.onFault(f);
      }
    } else cost += this.sharedFault(mask, f);
    this.afterFault?.(vma, idx);
    return cost;
  }

  /**
   * A fault in a shared-state mode: routed by the policy, then classified against
   * the record of who asked to arm the page — deliveries to an owner not in it
   * are misrouted (or shared, where the policy means it), active owners in it
   * that got nothing lost their hint (to the RWP fault, or to the routing).
   */
  private sharedFault(record: number, f: HintFault): number {
    const s = this.routeState();
    const to = routeShared(this.isolation, record, s);
    const st = this.stats;
    if (to === 0) st.staleRestores++;
    let cost = 0;
    for (let b = 0; b < MAX_OWNERS; b++) {
      const bit = 1 << b;
      const h = this.owners[b];
      if (to & bit && h !== null) {
        const name = h.owner.name;
        st.delivered[name]++;
        if (!(record & bit)) {
          if (isSharedByDesign(this.isolation, b)) st.shared++;
          else {
            st.misrouted[name]++;
            if (b === NUMA_BIT) st.misroutedToNuma++;
            if (b === DAMON_BIT) st.misroutedToDamon++;
          }
        }
        cost += h.owner.onFault(f);
      } else if (record & bit && h !== null && isActive(b, s)) {
        if (to === 1 << UFFD_BIT) st.lostToRwp++;
        else st.lost[h.owner.name]++;
      }
    }
    return cost;
  }

  /** Detaches from the machine (faults on still-armed pages are then restored silently). */
  detach(): void {
    if (this.machine.hintingHandler !== null) this.machine.hintingHandler = null;
  }
}
