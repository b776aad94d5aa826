/**
 * One fidelity run: the same masim workload and the same DAMON configuration on the
 * real kernel (qemu guest) and in the simulator (Accessed-bit vaddr on both), then the
 * side-by-side measures of compare.ts. The guest runs first and alone: the simulator
 * would otherwise compete for the CPU and slow the emulated kernel's kdamond further.
 */
import { DEFAULT_SEED } from "../util/rng.js";
import { simpleKdamonds, validateKdamonds, type KdamondsConfig } from "../config/kdamonds.js";
import type { ContextConfig } from "../config/kdamonds-types.js";
import type { Attrs } from "../core/attrs.js";
import type { Snapshot } from "../kernel/snapshot.js";
import { runExperiment, type WindowSnapshot } from "../eval/experiment.js";
import type { MachineOptions } from "../mm/machine.js";
import { machineOptionsFor } from "../mm/machine-profile.js";
import { SchemesRunner } from "../schemes/runner.js";
import { ConfigError } from "../util/errors.js";
import { masimWorkload } from "../workload/builtins.js";
import { runVm, type VmRunOptions, type VmRunResult } from "../vm/run.js";
import {
  alignToPhases,
  comparePhases,
  fidelityChecks,
  wssRelDiff,
  type FidelityChecks,
  gridSimilarity,
  nrRegionsStats,
  percentileOf,
  workloadHeatGrid,
  wssValues,
  type GridSimilarity,
  type NrRegionsStats,
  type PhaseComparison,
  type SideRun,
} from "./compare.js";
import { schemesFromConfig } from "../schemes/from-config.js";
import { DamosActionExecutor } from "../ops/damos-actions.js";
import { MachineMetrics } from "../ops/damos-metrics.js";
import type { FidelityWorkload } from "./shapes.js";

/** The fidelity run's simulated machine has no memory cgroups to match the guest's. */
const NO_MEMCGS = (): number => -1;

/** 2: medianDiff is relative to the kernel's median; checks gained hotExpected and nrRegionsWithin. */
export const FIDELITY_SCHEMA = "damon-ts/fidelity/2";

export interface FidelityOptions {
  workload: FidelityWorkload;
  /** One kdamond, one vaddr context (default: damo's defaults, no schemes). */
  kdamonds?: KdamondsConfig;
  seed?: number;
  /** Snapshots dropped before WSS percentiles (damo's default 20). */
  excludeSamples?: number;
  /** Allowed relative difference of the median WSS (default 0.15). */
  wssTolerance?: number;
  /** Heatmap grid: time bin (default 250 ms) and columns (default 100). */
  grid?: { binMs?: number; cols?: number };
  /** Guest options (cache dir, memory). */
  vm?: Pick<VmRunOptions, "cacheDir" | "memoryMiB" | "refreshKernel">;
  /** Default: the `guest` machine profile (src/mm/machine-profile.ts). */
  machine?: MachineOptions;
  progress?: (msg: string) => void;
  /** For tests: a finished guest run instead of booting one. */
  guestRun?: VmRunResult;
}

export interface SchemeStatsRow {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  qtExceeds: number;
}

export interface FidelityReport {
  schema: typeof FIDELITY_SCHEMA;
  workload: {
    name: string;
    durationMs: number;
    regions: { name: string; bytes: number }[];
    phases: string[];
  };
  kernelVersion: string;
  attrs: { sampleUs: number; aggrUs: number; updateUs: number; minNrRegions: number; maxNrRegions: number };
  seed: number;
  sides: Record<"kernel" | "simulator", { snapshots: number; meanIntervalMs: number | null }>;
  wss: {
    excludeSamples: number;
    percentiles: number[];
    kernel: (number | null)[];
    simulator: (number | null)[];
    /** |kernel − simulator| / kernel of the medians: the kernel is the reference (wssRelDiff). */
    medianDiff: number | null;
  };
  nrRegions: { kernel: NrRegionsStats | null; simulator: NrRegionsStats | null };
  phases: PhaseComparison[];
  heatmap: {
    binMs: number;
    rows: number;
    cols: number;
    /** Each side's times mapped onto the config's phase timeline first (alignToPhases). */
    phaseAligned: GridSimilarity;
  } & GridSimilarity;
  schemes: { index: number; action: string; kernel: SchemeStatsRow | null; simulator: SchemeStatsRow }[];
  checks: FidelityChecks;
  timings: { guestMs: number; simulatorMs: number; compareMs: number };
}

function contextOf(k: KdamondsConfig): ContextConfig {
  if (k.kdamonds.length !== 1 || k.kdamonds[0].contexts.length !== 1)
    throw new ConfigError("fidelity runs take one kdamond with one context", "kdamonds");
  const c = k.kdamonds[0].contexts[0];
  if (c.ops !== "vaddr")
    throw new ConfigError(`fidelity compares vaddr monitoring, not ${c.ops}`, "kdamonds[0].contexts[0].ops");
  if (c.targets.length !== 1)
    throw new ConfigError(
      "fidelity runs monitor one target (the workload)",
      "kdamonds[0].contexts[0].targets",
    );
  return c;
}

function attrsOf(c: ContextConfig): Attrs {
  const g = c.intervals.goal;
  return {
    sampleUs: c.intervals.sampleUs,
    aggrUs: c.intervals.aggrUs,
    updateUs: c.intervals.updateUs,
    minNrRegions: c.nrRegions.min,
    maxNrRegions: c.nrRegions.max,
    intervalsGoal: {
      accessBp: g.accessBp,
      aggrs: g.aggrs,
      minSampleUs: g.minSampleUs,
      maxSampleUs: g.maxSampleUs,
    },
  };
}

function meanIntervalMs(s: readonly Snapshot[]): number | null {
  if (s.length < 2) return null;
  return (s[s.length - 1].endNs - s[0].endNs) / (s.length - 1) / 1e6;
}

/** The guest run with times moved to "since the workload started" (its first phase). */
export function guestSide(r: VmRunResult, samplesPerAggr: number): SideRun {
  const t0 = r.phases[0]?.startNs ?? r.snapshots[0]?.startNs ?? 0;
  return {
    snapshots: r.snapshots.map((s) => ({ ...s, startNs: s.startNs - t0, endNs: s.endNs - t0 })),
    workloadRegions: r.regions,
    phases: r.phases.map((p) => ({ ...p, startNs: p.startNs - t0 })),
    samplesPerAggr,
  };
}

function simSnapshots(ws: readonly WindowSnapshot[]): Snapshot[] {
  return ws.map((w) => ({
    startNs: w.startNs,
    endNs: w.endNs,
    regions: (w.targets[0]?.regions ?? []).map((r) => ({
      start: r.start,
      end: r.end,
      nrAccesses: r.nrAccesses,
      age: r.age,
    })),
  }));
}

/** Per phase, the region with the highest total access probability, or null on a tie. */
export function expectedHot(w: FidelityWorkload): (string | null)[] {
  return w.config.phases.map((p) => {
    const weight = new Map<number, number>();
    for (const pt of p.patterns) weight.set(pt.region, (weight.get(pt.region) ?? 0) + pt.probability);
    const sorted = [...weight].sort((a, b) => b[1] - a[1]);
    if (sorted.length === 0 || (sorted.length > 1 && sorted[1][1] === sorted[0][1])) return null;
    return w.config.regions[sorted[0][0]].name;
  });
}

export async function runFidelity(o: FidelityOptions): Promise<FidelityReport> {
  const say = (m: string) => o.progress?.(m);
  const kdamonds = structuredClone(o.kdamonds ?? simpleKdamonds({ targetPid: 0 }));
  validateKdamonds(kdamonds);
  const ctxCfg = contextOf(kdamonds);
  const attrs = attrsOf(ctxCfg);
  const spa = Math.max(1, Math.floor(attrs.aggrUs / attrs.sampleUs));
  const seed = o.seed ?? DEFAULT_SEED;
  const w = o.workload;

  const tg = Date.now();
  const guest =
    o.guestRun ??
    (await runVm({
      workloadText: w.text,
      kdamonds,
      durationMs: w.durationMs + 1000,
      ...o.vm,
      progress: o.progress,
    }));
  const guestMs = Date.now() - tg;
  if (guest.snapshots.length === 0) throw new ConfigError("the guest produced no snapshots", "guest");

  say(`simulating ${w.name} (${(w.durationMs / 1000).toFixed(1)} s of virtual time)`);
  const ts = Date.now();
  let runner: SchemesRunner | null = null;
  const sim = runExperiment({
    workload: masimWorkload(w.config, w.name),
    ops: "vaddr",
    attrs,
    durationNs: w.durationMs * 1e6,
    seed,
    // The simulated machine is what the guest is: PTI without PCID, ticks at its HZ.
    machine: o.machine ?? machineOptionsFor("guest"),
    baseline: false,
    schemes:
      ctxCfg.schemes.length > 0
        ? (m) =>
            (runner = new SchemesRunner(
              schemesFromConfig(ctxCfg.schemes, NO_MEMCGS, "kdamonds[0].contexts[0].schemes"),
              // Real effects: pageout pages out on the simulated machine, as in the guest.
              { executor: new DamosActionExecutor(m, "vaddr"), metrics: new MachineMetrics(m, "vaddr") },
            ))
        : undefined,
  });
  const simulatorMs = Date.now() - ts;

  const tc = Date.now();
  const k = guestSide(guest, spa);
  const phaseNames = w.config.phases.map((p) => p.name);
  let at = 0;
  const s: SideRun = {
    snapshots: simSnapshots(sim.snapshots),
    workloadRegions: sim.workloadRegions,
    phases: w.config.phases.map((p, index) => {
      const ph = { index, name: p.name, startNs: at };
      at += p.durationMs * 1e6;
      return ph;
    }),
    samplesPerAggr: spa,
  };
  const excl = o.excludeSamples ?? 20;
  const pcts = [0, 25, 50, 75, 100];
  const wk = wssValues(k.snapshots, excl);
  const wsim = wssValues(s.snapshots, excl);
  const mk = percentileOf(wk, 50);
  const ms = percentileOf(wsim, 50);
  const medianDiff = wssRelDiff(mk, ms);
  const phases = comparePhases(k, s, expectedHot(w));
  const binMs = o.grid?.binMs ?? 250;
  const cols = o.grid?.cols ?? 100;
  const grid = { binNs: binMs * 1e6, endNs: w.durationMs * 1e6, cols };
  const order = w.config.regions.map((r) => r.name);
  const sim2 = gridSimilarity(workloadHeatGrid(k, grid, order), workloadHeatGrid(s, grid, order));
  const cfgStarts = s.phases.map((p) => p.startNs);
  const aligned = gridSimilarity(
    workloadHeatGrid(alignToPhases(k, cfgStarts), grid, order),
    workloadHeatGrid(alignToPhases(s, cfgStarts), grid, order),
  );
  const schemeRunner = runner as SchemesRunner | null;
  const schemes = ctxCfg.schemes.map((sc, index) => {
    const ks = guest.schemeStats.find((x) => x.kdamond === 0 && x.context === 0 && x.scheme === index)?.stats;
    const ss = schemeRunner!.schemes[index].stat;
    const row = (x: SchemeStatsRow): SchemeStatsRow => ({
      nrTried: x.nrTried,
      szTried: x.szTried,
      nrApplied: x.nrApplied,
      szApplied: x.szApplied,
      qtExceeds: x.qtExceeds,
    });
    return { index, action: sc.action, kernel: ks ? row(ks) : null, simulator: row(ss) };
  });
  const nrRegions = {
    kernel: nrRegionsStats(k.snapshots, attrs.minNrRegions, attrs.maxNrRegions),
    simulator: nrRegionsStats(s.snapshots, attrs.minNrRegions, attrs.maxNrRegions),
  };
  const checks = fidelityChecks({
    wssMedianRelDiff: medianDiff,
    wssTolerance: o.wssTolerance ?? 0.15,
    phases,
    nrRegions,
  });
  say(`compared (${phases.length} phases, ${sim2.cells} heatmap cells)`);
  return {
    schema: FIDELITY_SCHEMA,
    workload: {
      name: w.name,
      durationMs: w.durationMs,
      regions: w.config.regions.map((r) => ({ name: r.name, bytes: r.sizeBytes })),
      phases: phaseNames,
    },
    kernelVersion: guest.kernelVersion,
    attrs: {
      sampleUs: attrs.sampleUs,
      aggrUs: attrs.aggrUs,
      updateUs: attrs.updateUs,
      minNrRegions: attrs.minNrRegions,
      maxNrRegions: attrs.maxNrRegions,
    },
    seed,
    sides: {
      kernel: { snapshots: k.snapshots.length, meanIntervalMs: meanIntervalMs(k.snapshots) },
      simulator: { snapshots: s.snapshots.length, meanIntervalMs: meanIntervalMs(s.snapshots) },
    },
    wss: {
      excludeSamples: excl,
      percentiles: pcts,
      kernel: pcts.map((p) => percentileOf(wk, p)),
      simulator: pcts.map((p) => percentileOf(wsim, p)),
      medianDiff,
    },
    nrRegions,
    phases,
    heatmap: { binMs, rows: Math.ceil(grid.endNs / grid.binNs), cols, ...sim2, phaseAligned: aligned },
    schemes,
    checks,
    timings: { guestMs, simulatorMs, compareMs: Date.now() - tc },
  };
}
