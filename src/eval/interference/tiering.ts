/**
 * Three ways to promote hot slow-tier memory, on the same tiered machine and
 * workload (the workload's memory starts on the slow node; the fast node has the
 * CPUs and room): NUMA balancing's memory-tiering mode (promotion decided in the
 * fault path by the hot threshold), pghot (the same hint faults recorded per
 * frame, promoted by kmigrated), and DAMOS `migrate_hot`/`migrate_cold` (the
 * tiering preset). Judged against the exact truth: the fast tier's share of
 * accesses against an oracle's, and how many of the pages on the fast tier at
 * the end are among the run's hottest (every one of them was promoted there).
 */
import { defaultAttrs } from "../../core/attrs.js";
import type { Machine } from "../../mm/machine.js";
import { attachNumaBalancing } from "../../mm/numa-balancing/index.js";
import type { NumaBalancing, NumaBalancingOptions } from "../../mm/numa-balancing/index.js";
import { Pghot } from "../../mm/pghot/pghot.js";
import { PAGE_SIZE, PTE_PRESENT } from "../../mm/vma.js";
import type { TruthWindow } from "../../truth/ground-truth.js";
import { resolveWorkload } from "../../workload/builtins.js";
import type { WorkloadSpec } from "../../workload/spec.js";
import { TierTracker, tieringReport } from "../damos.js";
import { setupDamos } from "../damos-setup.js";
import { runPresetExperiment } from "../damos-seeds.js";
import { runExperiment } from "../experiment.js";
import type { ExperimentResult } from "../experiment.js";

export const TIERING_POLICIES = ["numa-tiering", "pghot", "damos"] as const;
export type TieringPolicy = (typeof TIERING_POLICIES)[number];

const MiB = 2 ** 20;

export interface TieringCaseOptions {
  seed: number;
  seconds: number;
  /** zipf-kv's sizes relative to its own (default 0.25: a 256 MiB heap). */
  sizeScale?: number;
  fastBytes?: number;
  slowBytes?: number;
}

export interface TieringRow {
  policy: TieringPolicy;
  workload: string;
  seed: number;
  durationNs: number;
  /** Share of accesses the fast node served, second half of the run. */
  steadyFastShare: number;
  /** The share with the run's hottest pages on the fast node. */
  oracleShare: number;
  promotions: number;
  /** Pages on the fast node at the end that are among the run's `fast-node-size` hottest. */
  promotedPrecision: number | null;
  hintFaultsPerSec: number;
  kernelCpuShare: number;
  appSlowdownVsAllFast: number | null;
}

/** Accesses per page over the run, from the truth (key: pid and virtual page). */
class PageHeat {
  readonly count = new Map<number, number>();
  static key(pid: number, vaddr: number): number {
    return pid * 2 ** 36 + vaddr / PAGE_SIZE;
  }
  add(w: TruthWindow): void {
    for (let i = 0; i < w.n; i++) {
      const k = PageHeat.key(w.pid[i], w.vaddr[i]);
      this.count.set(k, (this.count.get(k) ?? 0) + w.accesses[i]);
    }
  }
  /** The `k` hottest pages. */
  top(k: number): Set<number> {
    const all = [...this.count.entries()].sort((a, b) => b[1] - a[1]);
    return new Set(all.slice(0, k).map((e) => e[0]));
  }
}

/** Share of the fast node's mapped pages (all promoted: memory starts slow) that are among the hottest. */
function precisionOnFast(m: Machine, pid: number, hottest: Set<number>): number | null {
  let onFast = 0;
  let hot = 0;
  for (const v of m.process(pid).vmas) {
    for (const c of v.chunksIn()) {
      for (let i = 0; i < c.endPage - c.startPage; i++) {
        if (!(c.flags[i] & PTE_PRESENT) || m.frames.node[c.frames[i]] !== 0) continue;
        onFast++;
        if (hottest.has(PageHeat.key(pid, (c.startPage + i) * PAGE_SIZE))) hot++;
      }
    }
  }
  return onFast > 0 ? hot / onFast : null;
}

/** zipf-kv (stationary: shortened to `seconds`) with all of its memory first placed on the slow node. */
export function slowStartWorkload(sizeScale: number, seconds: number): WorkloadSpec {
  const w = resolveWorkload("zipf-kv", { sizeScale, timeScale: seconds / 30 });
  return { ...w, name: "zipf-kv (slow start)", regions: w.regions.map((r) => ({ ...r, node: 1 })) };
}

export function runTieringCase(policy: TieringPolicy, o: TieringCaseOptions): TieringRow {
  const w = slowStartWorkload(o.sizeScale ?? 0.25, o.seconds);
  const fastBytes = o.fastBytes ?? 64 * MiB;
  const slowBytes = o.slowBytes ?? 1024 * MiB;
  const heat = new PageHeat();
  const tiers = new TierTracker(0);
  let r: ExperimentResult;
  let promotions = 0;
  let extraKernelNs = 0;
  if (policy === "damos") {
    const x = runPresetExperiment(w, "tiering", {
      memoryBytes: slowBytes,
      fastMemoryBytes: fastBytes,
      seed: o.seed,
      onTruthWindow: (tw, m) => {
        heat.add(tw);
        tiers.onWindow(tw, m);
      },
    });
    r = x.r;
    // Promotions and demotions: DAMOS moves both ways.
    promotions = tieringReport(x.r, x.damos.tiers!, x.damos.handle, x.d.fastNodeFrames).migratedPages;
  } else {
    const d = setupDamos({
      preset: "tiering",
      attrs: { ...defaultAttrs(), updateUs: 1_000_000 },
      memoryBytes: slowBytes,
      fastMemoryBytes: fastBytes,
      footprintBytes: w.regions.reduce((s, x) => s + x.sizeBytes, 0),
      tlb: false,
    })!;
    let nb: NumaBalancing | null = null;
    let pg: Pghot | null = null;
    const numaOpts: NumaBalancingOptions = {
      normal: false,
      tiering: true,
      scanDelayMs: 200,
      scanPeriodMinMs: 200,
      scanPeriodMaxMs: 12_000,
    };
    r = runExperiment({
      workload: w,
      ops: "vaddr",
      seed: o.seed,
      machine: d.machine,
      baselineMachine: d.baselineMachine,
      onSetup: (m, _ctx, sim) => {
        if (policy === "pghot") {
          pg = new Pghot(m);
          sim.addAgent(pg);
        }
        nb = attachNumaBalancing(sim, m, { ...numaOpts, ...(pg ? { hotness: pg } : {}) });
      },
      onTruthWindow: (tw, m) => {
        heat.add(tw);
        tiers.onWindow(tw, m);
      },
    });
    const n = nb as NumaBalancing | null;
    const p = pg as Pghot | null;
    promotions = p ? p.stats.promotions : (n?.stats.promotions ?? 0);
    extraKernelNs = (n?.stats.scanNs ?? 0) + (p?.stats.kmigratedNs ?? 0);
  }
  const m = r.machine;
  const fastFrames = Math.floor(fastBytes / PAGE_SIZE);
  let hintFaults = 0;
  for (const t of m.threads) hintFaults += t.hintingFaults;
  return {
    policy,
    workload: w.name,
    seed: o.seed,
    durationNs: r.durationNs,
    steadyFastShare: tiers.steadyFastShare,
    oracleShare: tiers.oracleShare(fastFrames),
    promotions,
    // The workload's process (paddr DAMOS monitors no process of its own).
    promotedPrecision: precisionOnFast(m, m.threads[0].as.pid, heat.top(fastFrames)),
    hintFaultsPerSec: hintFaults / (r.durationNs / 1e9),
    kernelCpuShare: (m.kdamondCost.ns + extraKernelNs) / r.durationNs,
    appSlowdownVsAllFast: r.summary.appSlowdown,
  };
}
