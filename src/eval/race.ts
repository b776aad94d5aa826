/**
 * The toggling race of the page-fault sampling RFC, as an experiment (issue 4):
 * seeded random schedules of CPUs accessing, NUMA balancing arming ranges, DAMON
 * arming pages, and both switching on and off, run against the hinting framework
 * in `generic` and in `piggyback` mode. A shadow model of who armed what checks,
 * after every event, that no fault reaches an owner that did not arm the page (in
 * this run of the owner: a restarted DAMON did not arm its previous run's pages),
 * that no owner bit survives its owner's unregistration (generic mode: piggyback
 * has no owner bits), that restores give pages back their protection (both modes:
 * the RFC restores as NUMA balancing does), and that no page stays armed forever.
 * Piggyback mode is the RFC as it was: NUMA balancing's switch only flips the
 * global routing, and a DAMON that stops leaves its pages armed.
 */
import { Machine } from "../mm/machine.js";
import type { SimThread } from "../mm/machine.js";
import { DAMON_OWNER, HintingFramework, NUMA_OWNER } from "../mm/hinting/framework.js";
import type {
  HintFault,
  HintingMode,
  HintingStats,
  HintOwner,
  OwnerHandle,
} from "../mm/hinting/framework.js";
import { PAGE_SIZE, PTE_ARMED, PTE_WRITE_PROTECTED } from "../mm/vma.js";
import { Rng } from "../util/rng.js";

export interface RaceOptions {
  /** Pages of the shared buffer (default 64). */
  pages?: number;
  /** Events per schedule (default 600). */
  steps?: number;
  /** CPUs accessing (default 3). */
  cpus?: number;
  /** Share of pages write-protected (COW / uffd-wp), 0..1 (default 0.25). */
  writeProtected?: number;
}

export interface RaceOutcome {
  violations: string[];
  stats: HintingStats;
}

const idle = { fill: (): number => 0, finished: true, resumeNs: 0 };

/** A hinting owner that keeps every fault it receives. */
export class RecordingOwner implements HintOwner {
  faults: HintFault[] = [];
  constructor(readonly name: string) {}
  onFault(f: HintFault): number {
    this.faults.push(f);
    return 0;
  }
}

/** A machine whose `nCpus` CPUs each run an idle thread of one process with a `pages`-page buffer, all present. */
export function sharedBuffer(pages: number, nCpus: number, name: string) {
  const m = new Machine({ cpus: nCpus, tlb: { entries: 64, ways: 4 } });
  const as = m.createProcess(name);
  const base = as.mmap(pages * PAGE_SIZE);
  const threads: SimThread[] = Array.from({ length: nCpus }, (_, c) => m.spawnThread(as, c, idle));
  /** One access to every page (restores every armed page). */
  const touchAll = (): void =>
    m.runAccesses(
      threads[0],
      Array.from({ length: pages }, (_, i) => base + i * PAGE_SIZE),
    );
  touchAll();
  return { m, as, base, threads, touchAll, vma: as.vmaAt(base)! };
}

/** One seeded schedule. */
export function raceSchedule(mode: HintingMode, seed: number, o: RaceOptions = {}): RaceOutcome {
  const pages = o.pages ?? 64;
  const steps = o.steps ?? 600;
  const nCpus = o.cpus ?? 3;
  const rng = new Rng(seed);
  const { m, as, base, threads, touchAll, vma } = sharedBuffer(pages, nCpus, "race");
  const idxOf = (p: number): number => Math.floor((base + p * PAGE_SIZE) / PAGE_SIZE) - vma.startPage;
  const wpPermil = Math.round((o.writeProtected ?? 0.25) * 1000);
  for (let p = 0; p < pages; p++)
    if (rng.randRange(0, 1000) < wpPermil) vma.setFlag(idxOf(p), vma.flagAt(idxOf(p)) | PTE_WRITE_PROTECTED);

  const fw = new HintingFramework(m, { mode });
  const numa = new RecordingOwner(NUMA_OWNER);
  const damon = new RecordingOwner(DAMON_OWNER);
  let numaH: OwnerHandle | null = fw.register(numa);
  let damonH: OwnerHandle | null = fw.register(damon);
  fw.numaBalancingEnabled = true;
  const armedBy: Set<string>[] = Array.from({ length: pages }, () => new Set());
  const protAtArm = new Int16Array(pages).fill(-1);
  const violations: string[] = [];
  let lastFaultPage = -1;
  fw.afterFault = (v, idx) => {
    const p = idx - idxOf(0);
    lastFaultPage = p;
    if (protAtArm[p] >= 0 && (v.flagAt(idx) & PTE_WRITE_PROTECTED) !== protAtArm[p])
      violations.push(`page ${p}: protection changed by restore`);
    if (v.flagAt(idx) & PTE_ARMED) violations.push(`page ${p}: still armed after its fault`);
  };
  const checkDelivered = (owner: RecordingOwner, from: number): void => {
    for (let k = from; k < owner.faults.length; k++) {
      const p = (owner.faults[k].vaddr - base) / PAGE_SIZE;
      if (!armedBy[p].has(owner.name))
        violations.push(`${owner.name} got a fault on page ${p} it did not arm`);
    }
  };
  const armed = (p: number, who: string): void => {
    armedBy[p].add(who);
    if (protAtArm[p] < 0) protAtArm[p] = vma.flagAt(idxOf(p)) & PTE_WRITE_PROTECTED;
  };
  for (let s = 0; s < steps; s++) {
    const ev = rng.randRange(0, 100);
    if (ev < 55) {
      const p = rng.randRange(0, pages);
      const nb = numa.faults.length;
      const db = damon.faults.length;
      lastFaultPage = -1;
      m.runAccesses(threads[rng.randRange(0, nCpus)], [base + p * PAGE_SIZE + 8], [rng.randRange(0, 2)]);
      checkDelivered(numa, nb);
      checkDelivered(damon, db);
      if (lastFaultPage === p) {
        armedBy[p].clear();
        protAtArm[p] = -1;
      }
    } else if (ev < 70) {
      // The scanner arms only while NUMA balancing is on.
      if (numaH && (mode === "generic" || fw.numaBalancingEnabled)) {
        const p = rng.randRange(0, pages - 8);
        fw.armRange(numaH, as.pid, base + p * PAGE_SIZE, base + (p + 8) * PAGE_SIZE, m.kdamondCost);
        for (let q = p; q < p + 8; q++) armed(q, NUMA_OWNER);
      }
    } else if (ev < 88) {
      if (damonH) {
        const p = rng.randRange(0, pages);
        fw.arm(damonH, as.pid, base + p * PAGE_SIZE, m.kdamondCost);
        armed(p, DAMON_OWNER);
      }
    } else if (ev < 94) {
      // NUMA balancing switched: in generic mode the owner leaves or returns; the
      // piggyback design only flips the global switch its routing reads.
      if (mode === "generic") {
        if (numaH) {
          fw.unregister(numaH);
          numaH = null;
          for (const set of armedBy) set.delete(NUMA_OWNER);
        } else numaH = fw.register(numa);
      } else fw.numaBalancingEnabled = !fw.numaBalancingEnabled;
    } else if (damonH) {
      const bit = damonH.bit;
      fw.unregister(damonH);
      damonH = null;
      for (const set of armedBy) set.delete(DAMON_OWNER);
      if (mode === "generic") {
        for (let p = 0; p < pages; p++)
          if (vma.ownerAt(idxOf(p)) & (1 << bit)) violations.push(`damon's bit survived on page ${p}`);
      }
    } else damonH = fw.register(damon);
  }
  // No page stays armed forever: one more access to every page restores all of them.
  touchAll();
  for (let p = 0; p < pages; p++)
    if (vma.flagAt(idxOf(p)) & PTE_ARMED) violations.push(`page ${p} stayed armed`);
  return { violations, stats: fw.stats };
}

export interface RaceTotals {
  mode: HintingMode;
  schedules: number;
  faultsDelivered: number;
  deliveredToNuma: number;
  deliveredToDamon: number;
  misroutedToNuma: number;
  misroutedToDamon: number;
  staleRestores: number;
  /** Schedules in which some invariant was violated. */
  schedulesWithViolations: number;
  /** A few violations, for the record. */
  exampleViolations: string[];
}

/** Runs `seeds` schedules (seeds first..first+seeds-1) in one mode and adds them up. */
export function runRace(mode: HintingMode, seeds: number, firstSeed = 1, o: RaceOptions = {}): RaceTotals {
  const t: RaceTotals = {
    mode,
    schedules: seeds,
    faultsDelivered: 0,
    deliveredToNuma: 0,
    deliveredToDamon: 0,
    misroutedToNuma: 0,
    misroutedToDamon: 0,
    staleRestores: 0,
    schedulesWithViolations: 0,
    exampleViolations: [],
  };
  for (let s = firstSeed; s < firstSeed + seeds; s++) {
    const r = raceSchedule(mode, s, o);
    const numa = r.stats.delivered[NUMA_OWNER] ?? 0;
    const damon = r.stats.delivered[DAMON_OWNER] ?? 0;
    t.deliveredToNuma += numa;
    t.deliveredToDamon += damon;
    t.faultsDelivered += numa + damon;
    t.misroutedToNuma += r.stats.misroutedToNuma;
    t.misroutedToDamon += r.stats.misroutedToDamon;
    t.staleRestores += r.stats.staleRestores;
    if (r.violations.length > 0) {
      t.schedulesWithViolations++;
      if (t.exampleViolations.length < 3) t.exampleViolations.push(`seed ${s}: ${r.violations[0]}`);
    }
  }
  return t;
}
