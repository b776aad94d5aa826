/**
 * One cell of the interference study: a workload run under one isolation policy
 * with some of the three hint-fault consumers on — DAMON sampling with faults
 * (`vaddr-fault`; off: Accessed bits, `vaddr`, so the truth and the windows are
 * still there), NUMA balancing, and a userfaultfd-RWP VMM estimating the working
 * set — judged against the exact truth, with what the policy got wrong counted
 * by the framework.
 */
import { runExperiment } from "../experiment.js";
import { setupSimulation } from "../../workload/setup.js";
import { hintingOf, HintingRefused, UFFD_OWNER } from "../../mm/hinting/index.js";
import type { IsolationMode } from "../../mm/hinting/index.js";
import { attachNumaBalancing } from "../../mm/numa-balancing/index.js";
import type { NumaBalancing } from "../../mm/numa-balancing/index.js";
import { attachUffdRwp } from "../../mm/uffd/rwp.js";
import type { UffdRwp } from "../../mm/uffd/rwp.js";
import { PAGE_SIZE } from "../../mm/vma.js";
import { UffdWssJudge } from "./uffd-wss.js";
import type { InterferenceWorkload } from "./workloads.js";

export const INTERFERENCE_CONSUMERS = ["damon", "numa", "uffd"] as const;
export type InterferenceConsumer = (typeof INTERFERENCE_CONSUMERS)[number];

/** One row of `damon-ts study interference --json` (schema damon-ts/interference/2, docs/json-output.md). */
export interface InterferenceRow {
  policy: IsolationMode;
  workload: string;
  consumers: InterferenceConsumer[];
  seed: number;
  durationNs: number;
  /** DAMON's accuracy (null when DAMON did not sample with faults). */
  /**
   * DAMON's accuracy: `f1` is the run's F1 (over its active windows, docs/metrics.md; null
   * when no window was active), not the plain mean that scores idle windows as 1.
   */
  damon: {
    f1: number | null;
    activeWindows: number;
    f1Bytes: number | null;
    freqError: number;
    wssRelError: number;
    reportsCounted: number;
  } | null;
  /** NUMA balancing's outcome (null when off or refused by the policy). */
  numa: { faults: number; migrations: number; promotions: number; scans: number } | null;
  /** Share of the application's accesses that went to memory on its own CPU's node (from the truth). */
  localAccessShare: number;
  /** The VMM's working-set estimate (null when off). */
  uffd: {
    wssMeanRelError: number | null;
    wssMaxRelError: number | null;
    faults: number;
    periods: number;
  } | null;
  hintFaultsPerSec: number;
  /** Application slowdown against the same workload unmonitored (null when no baseline was run). */
  appSlowdown: number | null;
  /** Kernel-side consumer time (kdamond, NUMA scans, VMM ioctls and handler) per simulated second, 0..1 per CPU. */
  kernelCpuShare: number;
  misrouted: number;
  lost: number;
  lostToRwp: number;
  doubleArms: number;
  refusedRegistrations: number;
}

export interface CaseOptions {
  policy: IsolationMode;
  workload: InterferenceWorkload;
  consumers: readonly InterferenceConsumer[];
  seed: number;
  /** App ns per access of the unmonitored run (null: no slowdown). */
  baselineNsPerAccess: number | null;
}

/** The unmonitored run of a workload (its ns per access), shared by every policy's row. */
export function baselineNsPerAccess(w: InterferenceWorkload, seed: number): number | null {
  const base = setupSimulation(w.workload, { machine: w.machine, seed, truth: null });
  base.sim.run({ untilNs: w.durationNs });
  const acc = base.machine.totalAccesses();
  return acc > 0 ? base.machine.appTimeNs() / acc : null;
}

export function runInterferenceCase(o: CaseOptions): InterferenceRow {
  const on = (c: InterferenceConsumer): boolean => o.consumers.includes(c);
  const w = o.workload;
  let numa: NumaBalancing | null = null;
  let uffd: UffdRwp | null = null;
  let judge: UffdWssJudge | null = null;
  let cpuNode = 0;
  let local = 0;
  let total = 0;
  const r = runExperiment({
    workload: w.workload,
    ops: on("damon") ? "vaddr-fault" : "vaddr",
    attrs: w.attrs,
    durationNs: w.durationNs,
    seed: o.seed,
    machine: w.machine,
    baseline: false,
    hintingMode: o.policy,
    onSetup: (m, ctx, sim) => {
      const pid = ctx.targets[0].pid!;
      const th = m.threads.find((t) => t.as.pid === pid);
      cpuNode = th?.cpu.node ?? 0;
      const fw = hintingOf(m, { mode: o.policy });
      if (on("numa")) {
        // A policy that refuses NUMA balancing (build-time) counts the refusal.
        try {
          numa = attachNumaBalancing(sim, m, { hintingMode: o.policy, ...w.numa });
        } catch (e) {
          if (!(e instanceof HintingRefused)) throw e;
        }
      }
      if (on("uffd") && fw.canRegister(UFFD_OWNER)) {
        uffd = attachUffdRwp(sim, m, pid, { scanPeriodMs: w.uffdScanMs });
        judge = new UffdWssJudge(uffd, pid);
      }
    },
    onTruthWindow: (tw, m) => {
      judge?.onTruthWindow(tw);
      const node = m.frames.node;
      for (let i = 0; i < tw.n; i++) {
        total += tw.accesses[i];
        if (node[tw.paddr[i] / PAGE_SIZE] === cpuNode) local += tw.accesses[i];
      }
    },
  });
  const m = r.machine;
  const st = hintingOf(m).stats;
  const s = r.summary;
  const seconds = r.durationNs / 1e9;
  const nb = numa as NumaBalancing | null;
  const u = uffd as UffdRwp | null;
  const j = judge as UffdWssJudge | null;
  const wss = j?.result() ?? null;
  const sum = (x: Record<string, number>): number => Object.values(x).reduce((a, b) => a + b, 0);
  let hintFaults = 0;
  for (const t of m.threads) hintFaults += t.hintingFaults;
  const acc = m.totalAccesses();
  const kernelNs = m.kdamondCost.ns + (nb?.stats.scanNs ?? 0) + (u?.stats.vmmNs ?? 0);
  return {
    policy: o.policy,
    workload: w.name,
    consumers: INTERFERENCE_CONSUMERS.filter(on),
    seed: o.seed,
    durationNs: r.durationNs,
    damon: on("damon")
      ? {
          f1: s.f1Active,
          activeWindows: s.activeWindows,
          f1Bytes: s.f1Bytes,
          freqError: s.freqError,
          wssRelError: s.wssRelError,
          reportsCounted: r.ctx.reports.stats.counted,
        }
      : null,
    numa: nb
      ? {
          faults: nb.stats.faults,
          migrations: nb.stats.migrations,
          promotions: nb.stats.promotions,
          scans: nb.stats.scans,
        }
      : null,
    localAccessShare: total > 0 ? local / total : 0,
    uffd:
      u && wss
        ? {
            wssMeanRelError: wss.meanRelError,
            wssMaxRelError: wss.maxRelError,
            faults: u.stats.faults,
            periods: wss.periods.length,
          }
        : null,
    hintFaultsPerSec: seconds > 0 ? hintFaults / seconds : 0,
    appSlowdown: o.baselineNsPerAccess && acc > 0 ? m.appTimeNs() / acc / o.baselineNsPerAccess - 1 : null,
    kernelCpuShare: seconds > 0 ? kernelNs / r.durationNs : 0,
    misrouted: sum(st.misrouted),
    lost: sum(st.lost),
    lostToRwp: st.lostToRwp,
    doubleArms: st.doubleArms,
    refusedRegistrations: st.refusedRegistrations,
  };
}
