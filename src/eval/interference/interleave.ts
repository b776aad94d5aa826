/**
 * Interleavings of the three hint-fault consumers — NUMA balancing, DAMON and
 * userfaultfd RWP — registering, arming and leaving at random while CPUs access
 * a buffer, run against every isolation policy of the hinting framework. A
 * shadow model of who armed which page, in which registration ("run"), judges
 * every fault independently of the framework: a delivery to an owner that did
 * not arm the page in its current run is *misrouted* (or *shared*, where the
 * policy means it: `partial` DAMON), or *stale-run* when only an earlier
 * registration of the same consumer armed it; an active owner that armed the page and got
 * nothing *lost* its hint (*lost-to-rwp* when the RWP fault took it). It also
 * checks what must hold in every mode (restores keep the protection, no page
 * stays armed) and, in `generic`, that no bit survives its owner. The framework's
 * own counters must agree with the shadow's.
 */
import {
  DAMON_OWNER,
  HintingFramework,
  HintingRefused,
  NUMA_OWNER,
  UFFD_OWNER,
} from "../../mm/hinting/framework.js";
import type { HintingStats, IsolationMode, OwnerHandle } from "../../mm/hinting/framework.js";
import { PAGE_SIZE, PTE_ARMED, PTE_WRITE_PROTECTED } from "../../mm/vma.js";
import { Rng } from "../../util/rng.js";
import { RecordingOwner, sharedBuffer } from "../race.js";

/** What went wrong, by kind (docs/interference.md lists which kinds each policy is documented to show). */
export type FailureKind =
  "misrouted" | "stale-run" | "lost" | "lost-to-rwp" | "refused" | "protection" | "stuck" | "bit-survived";

export interface InterleaveOptions {
  pages?: number;
  steps?: number;
  cpus?: number;
  /** build-time: the protnone consumer built in (default: alternates with the seed). */
  builtIn?: typeof NUMA_OWNER | typeof DAMON_OWNER;
}

export interface InterleaveOutcome {
  mode: IsolationMode;
  /** Failures seen by the shadow, by kind. */
  failures: Partial<Record<FailureKind, number>>;
  /** Misrouted deliveries by receiving owner. */
  misroutedTo: Record<string, number>;
  /** `partial`: deliveries to DAMON of pages NUMA balancing armed (the policy's design). */
  shared: number;
  delivered: Record<string, number>;
  stats: HintingStats;
  /** Disagreements between the framework's counters and the shadow (must be empty). */
  counterMismatches: string[];
  /** A few failures, for the record. */
  examples: string[];
}

const NAMES = [NUMA_OWNER, DAMON_OWNER, UFFD_OWNER] as const;

/** One consumer: its recording owner, handle, and the token of its current registration. */
interface Consumer {
  owner: RecordingOwner;
  h: OwnerHandle | null;
  run: number;
}

/** One seeded schedule in one mode. */
export function interleaveSchedule(
  mode: IsolationMode,
  seed: number,
  o: InterleaveOptions = {},
): InterleaveOutcome {
  const pages = o.pages ?? 64;
  const steps = o.steps ?? 800;
  const nCpus = o.cpus ?? 3;
  const rng = new Rng(seed);
  const { m, as, base, threads, vma } = sharedBuffer(pages, nCpus, "interleave");
  const idx0 = Math.floor(base / PAGE_SIZE) - vma.startPage;
  for (let p = 0; p < pages; p++)
    if (rng.randRange(0, 4) === 0) vma.setFlag(idx0 + p, vma.flagAt(idx0 + p) | PTE_WRITE_PROTECTED);

  const builtIn = o.builtIn ?? (seed % 2 === 0 ? NUMA_OWNER : DAMON_OWNER);
  const fw = new HintingFramework(m, { mode, builtIn });
  const out: InterleaveOutcome = {
    mode,
    failures: {},
    misroutedTo: {},
    shared: 0,
    delivered: {},
    stats: fw.stats,
    counterMismatches: [],
    examples: [],
  };
  const fail = (k: FailureKind, what: string): void => {
    out.failures[k] = (out.failures[k] ?? 0) + 1;
    if (out.examples.length < 3) out.examples.push(`${k}: ${what}`);
  };
  let nextRun = 1;
  /** Consumer name of every run token. */
  const runOwner: string[] = [""];
  const cons = new Map<string, Consumer>(
    NAMES.map((n) => [n, { owner: new RecordingOwner(n), h: null, run: 0 }] as const),
  );
  const join = (c: Consumer): void => {
    try {
      c.h = fw.register(c.owner);
      c.run = nextRun++;
      runOwner.push(c.owner.name);
    } catch (e) {
      if (!(e instanceof HintingRefused)) throw e;
      fail("refused", `${c.owner.name} could not register`);
    }
  };
  const leave = (c: Consumer): void => {
    const bit = c.h!.bit;
    fw.unregister(c.h!);
    c.h = null;
    if (mode === "generic")
      for (let p = 0; p < pages; p++)
        if (vma.ownerAt(idx0 + p) & (1 << bit)) fail("bit-survived", `${c.owner.name}'s bit on page ${p}`);
  };
  const numa = cons.get(NUMA_OWNER)!;
  const damon = cons.get(DAMON_OWNER)!;
  const uffd = cons.get(UFFD_OWNER)!;
  for (const c of cons.values()) join(c);
  fw.numaBalancingEnabled = true;
  // In the shared-state modes NUMA balancing's switch is the sysctl: it stays registered.
  const numaOn = (): boolean => numa.h !== null && (mode === "generic" || fw.numaBalancingEnabled);
  const active = (c: Consumer): boolean => c.h !== null && (c !== numa || numaOn());

  // Shadow: per page, the runs that armed it, and its protection when first armed.
  const armedBy: Set<number>[] = Array.from({ length: pages }, () => new Set());
  const prot = new Int16Array(pages).fill(-1);
  const markArmed = (p: number, c: Consumer): void => {
    armedBy[p].add(c.run);
    if (prot[p] < 0) prot[p] = vma.flagAt(idx0 + p) & PTE_WRITE_PROTECTED;
  };
  let faulted = -1;
  fw.afterFault = (v, idx) => {
    faulted = idx - idx0;
    if (prot[faulted] >= 0 && (v.flagAt(idx) & PTE_WRITE_PROTECTED) !== prot[faulted])
      fail("protection", `page ${faulted} changed protection at restore`);
    if (v.flagAt(idx) & PTE_ARMED) fail("stuck", `page ${faulted} still armed after its fault`);
  };
  let shadowMisrouted = 0;
  let shadowLost = 0;
  let shadowLostToRwp = 0;

  const access = (p: number): void => {
    const before = NAMES.map((n) => cons.get(n)!.owner.faults.length);
    faulted = -1;
    m.runAccesses(threads[rng.randRange(0, nCpus)], [base + p * PAGE_SIZE + 8], [rng.randRange(0, 2)]);
    if (faulted !== p) return;
    const got = NAMES.map((n, k) => cons.get(n)!.owner.faults.length > before[k]);
    NAMES.forEach((n, k) => {
      const c = cons.get(n)!;
      if (got[k]) {
        out.delivered[n] = (out.delivered[n] ?? 0) + 1;
        if (armedBy[p].has(c.run)) return;
        if (mode === "partial" && c === damon) out.shared++;
        else {
          shadowMisrouted++;
          out.misroutedTo[n] = (out.misroutedTo[n] ?? 0) + 1;
          const stale = [...armedBy[p]].some((r) => runOwner[r] === n);
          fail(
            stale ? "stale-run" : "misrouted",
            `${n} got a fault on page ${p} it did not arm (in this run)`,
          );
        }
      } else if (armedBy[p].has(c.run) && active(c)) {
        const rwp = got[2] && got.filter(Boolean).length === 1;
        if (rwp) shadowLostToRwp++;
        else shadowLost++;
        fail(rwp ? "lost-to-rwp" : "lost", `${n} armed page ${p} and did not get its fault`);
      }
    });
    armedBy[p].clear();
    prot[p] = -1;
  };

  for (let s = 0; s < steps; s++) {
    const ev = rng.randRange(0, 100);
    if (ev < 50) access(rng.randRange(0, pages));
    else if (ev < 60) {
      if (numaOn()) {
        const p = rng.randRange(0, pages - 8);
        if (fw.armRange(numa.h!, as.pid, base + p * PAGE_SIZE, base + (p + 8) * PAGE_SIZE, m.kdamondCost) > 0)
          for (let q = p; q < p + 8; q++) markArmed(q, numa);
      }
    } else if (ev < 74) {
      if (damon.h) {
        const p = rng.randRange(0, pages);
        if (fw.arm(damon.h, as.pid, base + p * PAGE_SIZE, m.kdamondCost)) markArmed(p, damon);
      }
    } else if (ev < 84) {
      if (uffd.h) {
        const p = rng.randRange(0, pages - 4);
        if (fw.armRange(uffd.h, as.pid, base + p * PAGE_SIZE, base + (p + 4) * PAGE_SIZE, m.kdamondCost) > 0)
          for (let q = p; q < p + 4; q++) markArmed(q, uffd);
      }
    } else if (ev < 90) {
      // NUMA balancing switched: the generic framework unregisters it; the shared
      // states keep it registered and flip the global switch.
      if (mode === "generic") {
        if (numa.h) leave(numa);
        else join(numa);
      } else if (numa.h) fw.numaBalancingEnabled = !fw.numaBalancingEnabled;
      else join(numa);
    } else {
      const c = ev < 95 ? damon : uffd;
      if (c.h) leave(c);
      else join(c);
    }
  }
  // No page stays armed forever: one more access to every page restores all of them.
  for (let p = 0; p < pages; p++) access(p);
  for (let p = 0; p < pages; p++)
    if (vma.flagAt(idx0 + p) & PTE_ARMED) fail("stuck", `page ${p} stayed armed to the end`);

  const st = fw.stats;
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const check = (what: string, fwCount: number, shadow: number): void => {
    if (fwCount !== shadow) out.counterMismatches.push(`${what}: framework ${fwCount}, shadow ${shadow}`);
  };
  check("misrouted", sum(st.misrouted), shadowMisrouted);
  check("lost", sum(st.lost), shadowLost);
  check("lostToRwp", st.lostToRwp, shadowLostToRwp);
  check("shared", st.shared, out.shared);
  return out;
}

export interface InterleaveTotals {
  mode: IsolationMode;
  schedules: number;
  failures: Partial<Record<FailureKind, number>>;
  /** Schedules showing each failure kind. */
  schedulesWith: Partial<Record<FailureKind, number>>;
  misroutedTo: Record<string, number>;
  delivered: Record<string, number>;
  shared: number;
  doubleArms: number;
  deferredArms: number;
  counterMismatches: string[];
  examples: string[];
}

/** Runs seeds first..first+n-1 in one mode and adds them up. */
export function runInterleavings(
  mode: IsolationMode,
  n: number,
  first = 1,
  o: InterleaveOptions = {},
): InterleaveTotals {
  const t: InterleaveTotals = {
    mode,
    schedules: n,
    failures: {},
    schedulesWith: {},
    misroutedTo: {},
    delivered: {},
    shared: 0,
    doubleArms: 0,
    deferredArms: 0,
    counterMismatches: [],
    examples: [],
  };
  const add = (to: Record<string, number>, from: Record<string, number | undefined>): void => {
    for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + (v ?? 0);
  };
  for (let s = first; s < first + n; s++) {
    const r = interleaveSchedule(mode, s, o);
    add(t.failures, r.failures);
    add(t.schedulesWith, Object.fromEntries(Object.keys(r.failures).map((k) => [k, 1])));
    add(t.misroutedTo, r.misroutedTo);
    add(t.delivered, r.delivered);
    t.shared += r.shared;
    t.doubleArms += r.stats.doubleArms;
    t.deferredArms += r.stats.deferredArms;
    for (const x of r.counterMismatches)
      if (t.counterMismatches.length < 5) t.counterMismatches.push(`seed ${s}: ${x}`);
    for (const x of r.examples) if (t.examples.length < 3) t.examples.push(`seed ${s}: ${x}`);
  }
  return t;
}
