/**
 * One monitored run of a workload on the simulated machine, judged against the
 * exact truth: the workload, the memory system, DAMON (a kdamond agent with the
 * chosen operation set) and the truth recorder run together in virtual time;
 * every aggregation window gets its accuracy, and the run its overhead.
 */
import { DEFAULT_SEED } from "../util/rng.js";
import { defaultAttrs } from "../core/attrs.js";
import type { Attrs } from "../core/attrs.js";
import { createContext } from "../core/context.js";
import type { Probe } from "../core/probe.js";
import type { Context } from "../core/context.js";
import { setRegions, Target } from "../core/region.js";
import type { TargetSnapshot } from "../core/snapshot.js";
import type { SampleFilter } from "../core/sample-filter.js";
import type { Machine, MachineOptions } from "../mm/machine.js";
import type { Simulation } from "../mm/driver.js";
import { tlbBlindSpot, type TlbBlindSpot } from "../mm/tlb-events.js";
import { KdamondAgent } from "../ops/kdamond-agent.js";
import { paddrDescriptor } from "../ops/paddr.js";
import { opsDescriptor, type AddressSpaceKind } from "../ops/registry.js";
import type { HintingMode } from "../mm/hinting/index.js";
import { attachNumaBalancing } from "../mm/numa-balancing/index.js";
import type { NumaBalancingOptions, NumaBalancingStats } from "../mm/numa-balancing/index.js";
import type { SchemesEngine } from "../core/kdamond.js";
import type { DamosOutcome } from "./damos.js";
import { setupSimulation } from "../workload/setup.js";
import type { WorkloadSpec } from "../workload/spec.js";
import { windowAccuracy } from "./window-metrics.js";
import type { WindowAccuracy } from "./window-metrics.js";
import type { TruthWindow } from "../truth/ground-truth.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { appSlowdown, summarizeRun } from "./summary.js";
import type { ReportStats } from "../core/report.js";
import { AttributionCounter } from "./attribution.js";
import type { RunSummary, UnscoredWindow } from "./summary.js";

export interface ExperimentOptions {
  workload: WorkloadSpec;
  ops: string;
  attrs?: Partial<Attrs>;
  /** Run length in virtual ns (default: until the workload finishes). */
  durationNs?: number;
  seed?: number;
  /** Machine options (TLB model, nodes, CPUs, costs). */
  machine?: MachineOptions;
  /** Frequency at or above which a page counts as hot (default 0.5). */
  hotThreshold?: number;
  /** Also run the workload without monitoring to measure the slowdown (default true). */
  baseline?: boolean;
  sampleFilters?: SampleFilter[];
  /** Data-attribute probes of the context (docs/probes.md). */
  probes?: Probe[];
  /** Hinting framework mode for the fault-based sets (default generic). */
  hintingMode?: HintingMode;
  /** Fault sources keep pages armed until they fault, as the RFC does (default: one armed page per region). */
  faultKeepArmed?: boolean;
  /** hwsample: report every Nth access per CPU. */
  hwsamplePeriod?: number;
  /** ptscan: page-table entries read per sampling interval. */
  ptscanBudget?: number;
  /** DAMOS, when schemes run. */
  schemes?: (m: Machine, ctx: Context) => SchemesEngine;
  /** Called with the global virtual time about every simulated second. */
  onProgress?: (nowNs: number, endNs: number) => void;
  /** Called with every aggregated snapshot as it completes. */
  onSnapshot?: (s: WindowSnapshot) => void;
  /** Automatic NUMA balancing alongside DAMON (default off); its hinting mode is `hintingMode`. */
  numaBalancing?: NumaBalancingOptions;
  /** Called once the machine and context exist (e.g. to hook fault sources, or add agents to `sim`). */
  onSetup?: (m: Machine, ctx: Context, sim: Simulation) => void;
  /** Called with every closed truth window (exact per-page accesses), e.g. for tiering metrics. */
  onTruthWindow?: (w: TruthWindow, m: Machine) => void;
  /** Machine of the unmonitored baseline run, when it differs (e.g. all-fast memory for tiering). */
  baselineMachine?: MachineOptions;
  /**
   * Baseline runs already done, to reuse: runs that pass the same map must run the same
   * workload (one run per operation set does); the key is the machine, seed and length.
   */
  baselines?: Map<string, BaselineFigures>;
  /** Fixed monitoring regions of the (physical) target instead of the default layout. */
  targetRegions?: { start: number; end: number }[];
  /**
   * More paddr kdamonds, each over its own fixed regions with its own schemes
   * (as the tiering setup runs one per node, so each quota ranks only its node's
   * regions). Their overhead is charged like the main one's.
   */
  extraContexts?: {
    regions: { start: number; end: number }[];
    schemes: (m: Machine, ctx: Context) => SchemesEngine;
  }[];
}

export interface WindowSnapshot {
  index: number;
  startNs: number;
  endNs: number;
  targets: TargetSnapshot[];
}

export interface WindowResult {
  index: number;
  startNs: number;
  endNs: number;
  nrRegions: number;
  /** Sampling intervals DAMON took in the window (nrAccesses is out of these). */
  samples: number;
  accuracy: WindowAccuracy;
}

export interface ExperimentResult {
  workload: string;
  ops: string;
  space: AddressSpaceKind;
  attrs: Attrs;
  seed: number;
  durationNs: number;
  /** DAMON's windows scored against the truth of the same span (see summary.unscored for the rest). */
  windows: WindowResult[];
  snapshots: WindowSnapshot[];
  /** Times of phase changes (after the start). */
  phaseChangesNs: number[];
  summary: RunSummary;
  /** Where the workload's regions were placed (virtual addresses). */
  workloadRegions: { name: string; start: number; end: number }[];
  /** The context after the run (stats of reports, regions). */
  ctx: Context;
  /** The context's access-report counters (ctx.reports.stats). */
  reports: ReportStats;
  /** App ns per access of this run (what appSlowdown compares with the baseline's). */
  appNsPerAccess: number;
  machine: Machine;
  /** NUMA balancing's counters, when it ran. */
  numaBalancing?: NumaBalancingStats;
  /** Resident memory of the workload's process, averaged over the run (and over the baseline run). */
  residentAvgBytes: number;
  baselineResidentAvgBytes: number | null;
  /** App ns per access of the baseline run (null when not run). */
  baselineNsPerAccess: number | null;
  /** Accessed memory the TLB hid from the Accessed bit (src/mm/tlb-events.ts). */
  tlbBlindSpot: TlbBlindSpot;
  /** What DAMOS did, when the run had schemes (set by run-plan.ts's runWithDamos). */
  damos?: DamosOutcome;
}

/**
 * An experiment's result as plain data, without the live machine, context and
 * DAMOS handle: what a worker thread posts back (src/cli/run-threads.ts), and
 * all that `run` prints of a run without DAMOS.
 */
export type ResultData = Omit<ExperimentResult, "ctx" | "machine" | "damos">;

/** The plain-data part of a result. */
export function resultData(r: ExperimentResult): ResultData {
  const { ctx: _ctx, machine: _machine, damos: _damos, ...data } = r;
  return data;
}

/** Fills in a result's baseline figures (measured apart, e.g. on another thread), as runExperiment does. */
export function withBaseline(r: ResultData, b: BaselineFigures): void {
  r.baselineNsPerAccess = b.nsPerAccess;
  r.baselineResidentAvgBytes = b.residentAvgBytes;
  r.summary.appSlowdown = appSlowdown(r.appNsPerAccess, b.nsPerAccess);
}

/** Samples the process's resident memory every 100 ms of virtual time (a driver agent). */
class ResidentSampler {
  private next = 0;
  private sum = 0;
  private n = 0;
  constructor(
    private readonly m: Machine,
    private readonly pid: number,
  ) {}
  nextWakeNs(): number {
    return this.next;
  }
  wake(now: number): void {
    let pages = 0;
    if (this.m.isAlive(this.pid)) for (const v of this.m.process(this.pid).vmas) pages += v.residentPages;
    this.sum += pages * PAGE_SIZE;
    this.n++;
    this.next = now + 100e6;
  }
  get avg(): number {
    return this.n > 0 ? this.sum / this.n : 0;
  }
}

/** Total virtual duration of a workload (the longest thread's phases, repeats included). */
export function workloadDurationNs(w: WorkloadSpec): number {
  if (w.custom) return w.custom.durationNs;
  let max = 0;
  for (const t of w.threads) {
    const one = t.phases.reduce((s, p) => s + p.durationNs, 0);
    max = Math.max(max, one * (t.repeat ?? 1));
  }
  return max;
}

export function runExperiment(o: ExperimentOptions): ExperimentResult {
  const desc = opsDescriptor(o.ops);
  if (desc.fixedRegions && !o.targetRegions?.length)
    throw new RangeError(`operation set '${o.ops}' monitors fixed ranges; give its target regions`);
  const attrs: Attrs = { ...defaultAttrs(), updateUs: 1_000_000, ...o.attrs };
  const seed = o.seed ?? DEFAULT_SEED;
  // Infinity (a replayed trace): run until the workload's threads finish.
  let durationNs = o.durationNs ?? workloadDurationNs(o.workload);
  const { machine, sim, truth, workload } = setupSimulation(o.workload, {
    machine: o.machine,
    seed,
    // The truth's windows are closed at DAMON's aggregations (below), never on its own clock.
    truth: { sampleNs: attrs.sampleUs * 1000, aggrNs: attrs.aggrUs * 1000, windows: "caller" },
  });
  const ctx = createContext({
    attrs,
    seed,
    nrCpus: machine.cpus.length,
    sampleFilters: o.sampleFilters,
    probes: o.probes,
  });
  ctx.ops = desc.primitives(machine, o);
  ctx.targets.push(desc.space === "vaddr" ? new Target(workload.pid) : new Target());
  if (o.targetRegions) setRegions(ctx.targets[0], o.targetRegions, ctx.minRegionSz);
  o.onSetup?.(machine, ctx, sim);
  const attribution = desc.reportBased ? new AttributionCounter() : null;
  if (attribution) ctx.reports.observer = (cpu, tid) => attribution.count(cpu, tid);
  const agent = new KdamondAgent(ctx);
  if (o.schemes) agent.kdamond.schemes = o.schemes(machine, ctx);
  // Phases, not registration order, put the kdamonds before the truth at the same
  // instant: an aggregation closes the truth's window there (closeWindowAt), and the
  // truth then closes only the boundaries still due (mm/driver.ts AgentPhase).
  sim.addAgent(agent, "kdamond");
  (o.extraContexts ?? []).forEach((x, k) => {
    const c = createContext({ attrs, seed: seed + 1 + k, nrCpus: machine.cpus.length });
    c.ops = paddrDescriptor.primitives(machine, o);
    const t = new Target();
    setRegions(t, x.regions, c.minRegionSz);
    c.targets.push(t);
    const a = new KdamondAgent(c);
    a.kdamond.schemes = x.schemes(machine, c);
    sim.addAgent(a, "kdamond");
  });
  const numa = o.numaBalancing
    ? attachNumaBalancing(sim, machine, { hintingMode: o.hintingMode, ...o.numaBalancing })
    : null;
  const resident = new ResidentSampler(machine, workload.pid);
  sim.addAgent(resident, "observer");

  const snapshots: WindowSnapshot[] = [];
  const windows: WindowResult[] = [];
  const unscored: UnscoredWindow[] = [];
  // Windows are paired by time: at each aggregation the truth closes its window at
  // the same instant, so it covers exactly [startNs, endNs] of DAMON's window —
  // watermark waits, pauses and tuned intervals included.
  let current: { snap: WindowSnapshot; samples: number } | null = null;
  let lastPsi = 0;
  let truthSampleNs = attrs.sampleUs * 1000;
  agent.kdamond.onAggregated((ev) => {
    const snap = { index: ev.index, startNs: ev.startNs, endNs: ev.endNs, targets: ev.targets };
    snapshots.push(snap);
    o.onSnapshot?.(snap);
    const psi = ev.ctx.passedSampleIntervals;
    current = { snap, samples: psi - lastPsi };
    lastPsi = psi;
    // Tuned intervals (already in ctx.attrs for the next window) apply to the truth's next window too.
    const sampleNs = (ev.ctx.attrs.sampleUs || 1) * 1000;
    if (sampleNs !== truthSampleNs) {
      truth!.setIntervals(sampleNs, (ev.ctx.attrs.aggrUs || 1) * 1000);
      truthSampleNs = sampleNs;
    }
    truth!.closeWindowAt(ev.endNs);
    if (current !== null) {
      unscored.push({
        index: ev.index,
        startNs: ev.startNs,
        endNs: ev.endNs,
        reason: "no truth window closed",
      });
      current = null;
    }
  });
  let accessedPageSamples = 0;
  let truthSamples = 0;
  // Hidden page-samples up to the last closed window: the accessed ones are counted
  // only in closed windows, so the run's unscored tail must not count on one side only.
  let hiddenInWindows = 0;
  truth!.onWindow = (w) => {
    o.onTruthWindow?.(w, machine);
    for (let i = 0; i < w.n; i++) accessedPageSamples += w.positive[i];
    truthSamples += w.samples;
    hiddenInWindows = machine.hiddenPageSamples;
    const c = current;
    current = null;
    // The truth is closed only at DAMON's aggregations (closeWindowAt above).
    if (c === null) throw new Error(`truth window ${w.index} closed outside DAMON's aggregation`);
    const { snap, samples } = c;
    const unscore = (reason: string) =>
      unscored.push({ index: snap.index, startNs: snap.startNs, endNs: snap.endNs, reason });
    if (w.startNs !== snap.startNs || w.endNs !== snap.endNs) {
      unscore(`truth window ${w.startNs}..${w.endNs} ns differs from DAMON's`);
      return;
    }
    if (samples <= 0) {
      unscore("DAMON took no sample in the window");
      return;
    }
    const regions = snap.targets[0]?.regions ?? [];
    windows.push({
      index: snap.index,
      startNs: snap.startNs,
      endNs: snap.endNs,
      nrRegions: regions.length,
      samples,
      accuracy: windowAccuracy(w, regions, {
        space: desc.space,
        pid: workload.pid,
        samplesPerAggr: samples,
        hotThreshold: o.hotThreshold,
      }),
    });
  };
  const ran = sim.run({
    untilNs: durationNs,
    runAgentsWhenIdle: true,
    onProgress: o.onProgress ? (now) => o.onProgress!(now, durationNs) : undefined,
  });
  if (!Number.isFinite(durationNs)) durationNs = ran.endNs;

  let baselineNsPerAccess: number | null = null;
  let baselineResidentAvgBytes: number | null = null;
  if (o.baseline !== false) {
    const machineOpts = o.baselineMachine ?? o.machine;
    const key = JSON.stringify([machineOpts ?? null, seed, durationNs]);
    let b = o.baselines?.get(key);
    if (b === undefined) {
      b = runBaseline(o.workload, machineOpts, seed, durationNs);
      o.baselines?.set(key, b);
    }
    baselineNsPerAccess = b.nsPerAccess;
    baselineResidentAvgBytes = b.residentAvgBytes;
  }
  const phaseChangesNs = [...new Set(truth!.phaseChanges.map((p) => p.timeNs))]
    .filter((t) => t > 0)
    .sort((a, b) => a - b);
  const summary = summarizeRun({
    windows,
    unscored,
    phaseChangesNs,
    machine,
    durationNs,
    baselineNsPerAccess,
  });
  summary.attribution = attribution ? attribution.errors(machine) : null;
  return {
    workload: o.workload.name,
    ops: o.ops,
    space: desc.space,
    attrs,
    seed,
    durationNs,
    windows,
    snapshots,
    phaseChangesNs,
    summary,
    workloadRegions: workload.regions.map((r) => ({
      name: r.name,
      start: r.addr,
      end: r.addr + r.sizeBytes,
    })),
    ctx,
    reports: ctx.reports.stats,
    appNsPerAccess: machine.stats().nsPerAccess,
    machine,
    ...(numa ? { numaBalancing: numa.stats } : {}),
    residentAvgBytes: resident.avg,
    baselineResidentAvgBytes,
    baselineNsPerAccess,
    tlbBlindSpot: tlbBlindSpot(hiddenInWindows, accessedPageSamples, truthSamples),
  };
}

/** What the unmonitored run of a workload measured. */
export interface BaselineFigures {
  /** App ns per access (null when no access ran). */
  nsPerAccess: number | null;
  residentAvgBytes: number;
}

/** The workload alone, without monitoring or truth, for `durationNs`. */
export function runBaseline(
  workload: WorkloadSpec,
  machine: MachineOptions | undefined,
  seed: number,
  durationNs: number,
): BaselineFigures {
  const base = setupSimulation(workload, { machine, seed, truth: null });
  const baseResident = new ResidentSampler(base.machine, base.workload.pid);
  base.sim.addAgent(baseResident, "observer");
  base.sim.run({ untilNs: durationNs });
  const acc = base.machine.totalAccesses();
  return {
    nsPerAccess: acc > 0 ? base.machine.appTimeNs() / acc : null,
    residentAvgBytes: baseResident.avg,
  };
}
