/**
 * The run plan behind `damon-ts run`, `record` and `compare` (and the web UI and
 * exporter, which call it too): one workload, one or more operation sets, the
 * machine, DAMOS. It checks that the parts fit together, sets DAMOS up, and runs
 * one experiment per operation set; each result carries its DAMOS outcome.
 * Option text is parsed by the caller (src/cli); errors here name the option.
 */
import type { Attrs } from "../core/attrs.js";
import type { SampleFilter } from "../core/sample-filter.js";
import type { Probe } from "../core/probe.js";
import type { SwapDevice } from "../mm/cost-model.js";
import type { HintingMode } from "../mm/hinting/index.js";
import { withMachineProfile, type MachineProfileName } from "../mm/machine-profile.js";
import type { Machine, MachineOptions } from "../mm/machine.js";
import type { Context } from "../core/context.js";
import type { TruthWindow } from "../truth/ground-truth.js";
import type { NumaBalancingOptions } from "../mm/numa-balancing/index.js";
import { paddrDescriptor } from "../ops/paddr.js";
import { opsDescriptor } from "../ops/registry.js";
import { UsageError } from "../util/errors.js";
import type { WorkloadSpec } from "../workload/spec.js";
import { damosEngine, TierTracker, type DamosHandle, type DamosOutcome } from "./damos.js";
import { setupDamos, type DamosSetup } from "./damos-setup.js";
import {
  runExperiment,
  type BaselineFigures,
  type ExperimentOptions,
  type ExperimentResult,
  type WindowSnapshot,
} from "./experiment.js";

/** Where first touches of a tiered machine go. */
export type StartTier = "fast" | "slow";

export interface RunPlan {
  /** Data-attribute probes of the context (docs/probes.md); a --kdamonds file's own when unset. */
  probes?: Probe[];
  workload: WorkloadSpec;
  /** Operation sets to run, one experiment each. */
  ops: string[];
  /** Whether the user chose the operation sets (else a DAMOS setup picks its own). */
  opsExplicit: boolean;
  attrs: Attrs;
  durationNs: number;
  seed: number;
  /** The TLB model on (on the machine profile's TLB and events) or off. */
  tlb: boolean;
  profile: MachineProfileName;
  /** Memory size (or the slow tier's, for the tiering preset). */
  memoryBytes: number;
  /** Nodes and CPUs from --memory/--nodes/--tier. */
  shape: MachineOptions;
  /** Which shape options the user gave (--nodes, --tier): DAMOS merges or refuses them. */
  shapeOptions: string[];
  swap: SwapDevice;
  hotThreshold: number;
  sampleFilters?: SampleFilter[];
  hintingMode: HintingMode;
  faultKeepArmed: boolean;
  hwsamplePeriod: number;
  /** ptscan: page-table entries read per sampling interval. */
  ptscanBudget?: number;
  baseline: boolean;
  numaBalancing?: NumaBalancingOptions;
  damos: {
    kdamondsFile?: string;
    schemes?: string[];
    preset?: string;
    fastMemoryBytes?: number;
    startTier: StartTier;
  };
}

/** What a caller watches of one experiment of the plan (progress, snapshots to record). */
export interface RunObserver {
  onProgress?(nowNs: number, endNs: number): void;
  onSnapshot?(s: WindowSnapshot): void;
  /** The simulated machine and DAMON context, once set up (before the first sample). */
  onSetup?(m: Machine, ctx: Context): void;
  /** Each closed truth window. */
  onTruthWindow?(w: TruthWindow, m: Machine): void;
  /** The experiment's DAMOS schemes (before it starts; only when DAMOS is set). */
  onDamos?(h: DamosHandle): void;
  /** The experiment's result (before `done`). */
  onResult?(r: ExperimentResult): void;
  /** After the experiment, `ok` false when it threw. */
  done?(ok: boolean): void;
}

/** A checked plan: DAMOS set up, the operation sets and attributes final. */
export interface PreparedRun {
  plan: RunPlan;
  ops: string[];
  attrs: Attrs;
  damos: DamosSetup | null;
  machine: MachineOptions;
  baselineMachine?: MachineOptions;
}

/** Checks the plan's parts against each other and sets DAMOS up (no simulation yet). */
export function prepareRun(p: RunPlan): PreparedRun {
  if (p.sampleFilters) {
    const bitOps = p.ops.filter((x) => !opsDescriptor(x).reportBased);
    if (bitOps.length > 0)
      throw new UsageError(
        `filters apply to access reports; ${bitOps.join(", ")} use Accessed bits, which do not know the CPU, thread or write`,
        "--filter",
      );
  }
  const damos = setupDamos({
    kdamondsFile: p.damos.kdamondsFile,
    schemes: p.damos.schemes,
    preset: p.damos.preset,
    ops: p.opsExplicit ? p.ops[0] : undefined,
    attrs: p.attrs,
    memoryBytes: p.memoryBytes,
    fastMemoryBytes: p.damos.fastMemoryBytes,
    footprintBytes: p.workload.regions.reduce((x, r) => x + r.sizeBytes, 0),
    swap: p.swap,
    tlb: p.tlb,
  });
  const ops = damos && !p.opsExplicit ? [damos.ops] : p.ops;
  for (const o of ops)
    if (opsDescriptor(o).fixedRegions && !damos?.targetRegions)
      throw new UsageError(
        `${o} monitors fixed ranges: give them in a --kdamonds file (its context's targets[0].regions)`,
        "--ops",
      );
  const machine = withMachineProfile(damosMachine(p, damos), p.profile, p.tlb);
  const baselineMachine =
    damos?.baselineMachine && withMachineProfile(damos.baselineMachine, p.profile, p.tlb);
  return { plan: p, ops, attrs: damos?.attrs ?? p.attrs, damos, machine, baselineMachine };
}

/**
 * The machine of a run: the shape options, or DAMOS's machine with them merged
 * in (nodes and CPUs); the tiering preset builds its own tiers and refuses them.
 */
function damosMachine(p: RunPlan, damos: DamosSetup | null): MachineOptions {
  if (!damos) return { ...p.shape, swap: p.swap };
  if (p.shapeOptions.length === 0) return damos.machine;
  if (damos.fastNode !== null)
    throw new UsageError(
      `the tiering preset builds its own two tiers (--fast-memory and --memory); drop ${p.shapeOptions.join(", ")}`,
      p.shapeOptions[0],
    );
  return { ...damos.machine, nodes: p.shape.nodes, cpus: p.shape.cpus };
}

/** Runs a prepared plan: one experiment per operation set, each result with its DAMOS outcome. */
export function executeRun(
  pr: PreparedRun,
  observe: (ops: string) => RunObserver = () => ({}),
): ExperimentResult[] {
  const { plan: p, damos, attrs } = pr;
  const workload =
    p.damos.startTier === "slow" && damos?.fastNode != null
      ? { ...p.workload, regions: p.workload.regions.map((r) => ({ ...r, node: 1 - damos.fastNode! })) }
      : p.workload;
  // One unmonitored baseline run serves every operation set (same workload, machine, seed, length).
  const baselines = new Map<string, BaselineFigures>();
  return pr.ops.map((ops) => {
    const obs = observe(ops);
    try {
      const r = runWithDamos(
        {
          workload,
          ops,
          attrs,
          durationNs: p.durationNs,
          seed: p.seed,
          hotThreshold: p.hotThreshold,
          sampleFilters: p.sampleFilters ?? damos?.sampleFilters,
          probes: p.probes ?? damos?.probes,
          hintingMode: p.hintingMode,
          faultKeepArmed: p.faultKeepArmed,
          hwsamplePeriod: p.hwsamplePeriod,
          ptscanBudget: p.ptscanBudget,
          baseline: p.baseline,
          machine: pr.machine,
          numaBalancing: p.numaBalancing,
          baselineMachine: pr.baselineMachine,
          baselines,
          onProgress:
            obs.onProgress && Number.isFinite(p.durationNs)
              ? (now, end) => obs.onProgress!(now, end)
              : undefined,
          onSnapshot: obs.onSnapshot ? (s) => obs.onSnapshot!(s) : undefined,
          onSetup: obs.onSetup ? (m, ctx) => obs.onSetup!(m, ctx) : undefined,
          onTruthWindow: obs.onTruthWindow ? (w, m) => obs.onTruthWindow!(w, m) : undefined,
        },
        damos,
        obs.onDamos ? (h) => obs.onDamos!(h) : undefined,
      );
      obs.onResult?.(r);
      obs.done?.(true);
      return r;
    } catch (e) {
      obs.done?.(false);
      throw e;
    }
  });
}

/** Checks and runs a plan (prepareRun, then executeRun). */
export function runPlan(p: RunPlan, observe?: (ops: string) => RunObserver): ExperimentResult[] {
  return executeRun(prepareRun(p), observe);
}

/**
 * One experiment with DAMOS as `damos` sets it up (schemes engine, the extra
 * per-node kdamonds, tier tracking); the result carries the DAMOS outcome.
 */
export function runWithDamos(
  o: ExperimentOptions,
  damos: DamosSetup | null,
  onDamos?: (h: DamosHandle) => void,
): ExperimentResult {
  if (!damos) return runExperiment(o);
  const engine = damosEngine(damos.configs, opsDescriptor(o.ops));
  onDamos?.(engine.handle);
  const extraContexts = damos.extraContexts.map((x) => ({
    regions: x.regions,
    schemes: damosEngine(x.configs, paddrDescriptor, engine.handle).factory,
  }));
  const tiers = damos.fastNode !== null ? new TierTracker(damos.fastNode) : null;
  const r = runExperiment({
    ...o,
    targetRegions: damos.targetRegions,
    extraContexts,
    schemes: engine.factory,
    onTruthWindow:
      tiers || o.onTruthWindow
        ? (w, m) => {
            tiers?.onWindow(w, m);
            o.onTruthWindow?.(w, m);
          }
        : undefined,
  });
  const outcome: DamosOutcome = {
    handle: engine.handle,
    tiers,
    fastNodeFrames: damos.fastNodeFrames,
    preset: damos.preset,
  };
  r.damos = outcome;
  return r;
}
