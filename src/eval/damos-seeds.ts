/**
 * DAMOS outcomes over several seeds (docs/damos.md "Over seeds"): the goal of
 * each preset must hold for the worst seed, not only on average. Tiering: the
 * steady fast-tier share within 5 % of the oracle's. Reclaim: at least 20 %
 * memory saved at no more than 3 % slowdown.
 */
import { defaultAttrs } from "../core/attrs.js";
import type { Machine, MachineOptions } from "../mm/machine.js";
import type { TruthWindow } from "../truth/ground-truth.js";
import type { WorkloadSpec } from "../workload/spec.js";
import { damosOutcomeJson, type DamosOutcomeJson } from "./damos.js";
import { setupDamos } from "./damos-setup.js";
import { runWithDamos } from "./run-plan.js";

export const TIERING_MAX_GAP = 0.05;
export const RECLAIM_MIN_SAVED = 0.2;
export const RECLAIM_MAX_SLOWDOWN = 0.03;

export interface SeedOutcome {
  seed: number;
  damos: DamosOutcomeJson | null;
}

/** One measure over the seeds: per seed, the median and the worst (by `worse`). */
export interface SeedMeasure {
  name: string;
  values: (number | null)[];
  median: number | null;
  worst: number | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function measure(name: string, values: (number | null)[], higherIsWorse: boolean): SeedMeasure {
  const xs = values.filter((v): v is number => v !== null);
  const worst = xs.length === 0 ? null : higherIsWorse ? Math.max(...xs) : Math.min(...xs);
  return { name, values, median: median(xs), worst };
}

export interface SeedSummary {
  seeds: number[];
  measures: SeedMeasure[];
  /** Seeds for which the preset's goal fails (empty when it holds for all, or has none). */
  failing: number[];
  /** Whether the preset has a goal (tiering, reclaim) at all. */
  hasGoal: boolean;
}

/** Whether one seed's outcome meets the goal (null when there is no goal for it). */
export function goalHolds(d: DamosOutcomeJson): boolean | null {
  if (d.tiering) return d.tiering.gapToOracle <= TIERING_MAX_GAP;
  if (d.preset === "reclaim" && d.reclaim) {
    const r = d.reclaim;
    return (
      r.memorySaved !== null &&
      r.slowdown !== null &&
      r.memorySaved >= RECLAIM_MIN_SAVED &&
      r.slowdown <= RECLAIM_MAX_SLOWDOWN
    );
  }
  return null;
}

export function summarizeSeeds(results: SeedOutcome[]): SeedSummary {
  const ds = results.map((r) => {
    if (!r.damos) throw new Error(`seed ${r.seed}: the run has no DAMOS outcome`);
    return r.damos;
  });
  const col = (f: (d: DamosOutcomeJson) => number | null): (number | null)[] => ds.map(f);
  const measures: SeedMeasure[] = [];
  if (ds[0]?.tiering) {
    measures.push(
      measure(
        "fast share (run)",
        col((d) => d.tiering!.fastShare),
        false,
      ),
      measure(
        "fast share (2nd half)",
        col((d) => d.tiering!.steadyFastShare),
        false,
      ),
      measure(
        "oracle",
        col((d) => d.tiering!.oracleShare),
        false,
      ),
      measure(
        "gap to oracle",
        col((d) => d.tiering!.gapToOracle),
        true,
      ),
      measure(
        "slowdown vs all-fast",
        col((d) => d.tiering!.slowdownVsAllFast),
        true,
      ),
      measure(
        "migrated MiB/s",
        col((d) => d.tiering!.migratedBytesPerSec / 2 ** 20),
        true,
      ),
    );
  } else {
    measures.push(
      measure(
        "memory saved",
        col((d) => d.reclaim?.memorySaved ?? null),
        false,
      ),
      measure(
        "slowdown",
        col((d) => d.reclaim?.slowdown ?? null),
        true,
      ),
      measure(
        "refaults",
        col((d) => d.reclaim?.majorFaults ?? null),
        true,
      ),
    );
  }
  measures.push(
    measure(
      "kdamond CPU",
      col((d) => d.cpu.share),
      true,
    ),
    measure(
      "  sampling",
      col((d) => d.cpu.monitorShare),
      true,
    ),
    measure(
      "  actions",
      col((d) => d.cpu.actionShare),
      true,
    ),
  );
  const verdicts = ds.map(goalHolds);
  return {
    seeds: results.map((r) => r.seed),
    measures,
    failing: results.filter((_, i) => verdicts[i] === false).map((r) => r.seed),
    hasGoal: verdicts.some((v) => v !== null),
  };
}

export interface PresetRunOptions {
  memoryBytes: number;
  fastMemoryBytes?: number;
  seed: number;
  /** Cost of an access (default: the machine's); tests raise it so runs stay short. */
  localAccessNs?: number;
  /** Also run the baseline (needed for slowdown and memory saved; default true). */
  baseline?: boolean;
  tlb?: boolean;
  /** Also called with every closed truth window (after the tier tracker). */
  onTruthWindow?: (w: TruthWindow, m: Machine) => void;
}

/**
 * Sets a preset up on a workload the way `damon-ts run --preset` does (machine,
 * kdamonds, schemes) and runs it; returns the experiment with its DAMOS parts.
 * Without `seed`, the experiment's default seed.
 */
export function runPresetExperiment(
  w: WorkloadSpec,
  preset: string,
  o: Omit<PresetRunOptions, "seed"> & { seed?: number },
) {
  const footprint = w.regions.reduce((s, r) => s + r.sizeBytes, 0);
  const d = setupDamos({
    preset,
    attrs: { ...defaultAttrs(), updateUs: 1_000_000 },
    memoryBytes: o.memoryBytes,
    fastMemoryBytes: o.fastMemoryBytes,
    footprintBytes: footprint,
    tlb: o.tlb ?? false,
  })!;
  const cost = (m: MachineOptions | undefined): MachineOptions | undefined =>
    m && o.localAccessNs !== undefined ? { ...m, costs: { ...m.costs, localAccessNs: o.localAccessNs } } : m;
  const r = runWithDamos(
    {
      workload: w,
      ops: d.ops,
      attrs: d.attrs,
      seed: o.seed,
      baseline: o.baseline,
      machine: cost(d.machine),
      baselineMachine: cost(d.baselineMachine),
      onTruthWindow: o.onTruthWindow,
    },
    d,
  );
  return { r, d, damos: r.damos! };
}

/** One run of a preset on a workload (runPresetExperiment), as its DAMOS outcome. */
export function runPreset(w: WorkloadSpec, preset: string, o: PresetRunOptions): SeedOutcome {
  const { r, damos } = runPresetExperiment(w, preset, o);
  return { seed: o.seed, damos: damosOutcomeJson(r, damos) };
}
