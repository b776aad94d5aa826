/**
 * What `damon-ts run --kdamonds / --scheme / --preset` set up: the schemes (in
 * kdamonds-config form), the operation set they run on, monitoring intervals,
 * and the machine (a two-tier one for the tiering preset, with an all-fast
 * machine as the baseline the slowdown is measured against).
 */
import { readKdamondsFile } from "../config/kdamonds.js";
import type { IntervalsConfig, SchemeConfig } from "../config/kdamonds-types.js";
import type { Attrs } from "../core/attrs.js";
import type { Probe } from "../core/probe.js";
import type { SampleFilter } from "../core/sample-filter.js";
import { opsForPrimitives, sampleFiltersOf } from "./sample-control.js";
import type { SwapDevice } from "../mm/cost-model.js";
import { FrameTable, type NodeConfig } from "../mm/frames.js";
import type { MachineOptions } from "../mm/machine.js";
import { parseCompactScheme } from "../schemes/compact.js";
import { presetName, presetSchemes, type PresetName } from "../schemes/presets.js";
import { ConfigError, UsageError } from "../util/errors.js";
import { opsDescriptor } from "../ops/registry.js";

export interface DamosSetupInput {
  kdamondsFile?: string;
  schemes?: string[];
  preset?: string;
  /** --ops when the user gave it; else the preset's / file's choice (paddr / the file's ops). */
  ops?: string;
  attrs: Attrs;
  /** Main (or slow-tier) memory size. */
  memoryBytes: number;
  /** Fast tier size for the tiering preset (default: half the footprint). */
  fastMemoryBytes?: number;
  footprintBytes: number;
  /** Access cost of the slow tier (default 2.5× the fast one). */
  slowAccessNs?: number;
  swap?: SwapDevice;
  tlb: boolean;
}

export interface DamosSetup {
  configs: SchemeConfig[];
  ops: string;
  attrs: Attrs;
  preset: PresetName | null;
  machine: MachineOptions;
  baselineMachine?: MachineOptions;
  /** Fixed regions of the main (paddr) target, and more kdamonds over their own regions. */
  targetRegions?: { start: number; end: number }[];
  extraContexts: { regions: { start: number; end: number }[]; configs: SchemeConfig[] }[];
  /** The fast node of a tiered machine (null otherwise) and its size in pages. */
  fastNode: number | null;
  fastNodeFrames: number;
  /** Probes of the kdamonds file's context (docs/probes.md). */
  probes?: Probe[];
  /** Sample filters of the kdamonds file's `sample_control` (act on fault reports). */
  sampleFilters?: SampleFilter[];
}

const FAST_NS = 10;

/**
 * Regions per kdamond of the tiering preset (at most; a smaller --max-regions
 * wins). Sampling costs two reverse-map walks per region every sampling
 * interval, so two kdamonds at DAMON's default 1,000 regions spent 15 % of a
 * CPU on the preset's 1/4-size run (docs/damos.md); 100 regions each keep the
 * two within DAMON's usual few percent and still give regions of about 1 MiB
 * (fast node) to 5 MiB (slow node) at that size.
 */
export const TIERING_MAX_REGIONS = 100;

function intervalsOf(a: Attrs): IntervalsConfig {
  return {
    sampleUs: a.sampleUs,
    aggrUs: a.aggrUs,
    updateUs: a.updateUs,
    goal: { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 },
  };
}

export function setupDamos(i: DamosSetupInput): DamosSetup | null {
  if (i.kdamondsFile === "") throw new UsageError("the file name is empty", "--kdamonds");
  const given = [i.kdamondsFile, i.schemes?.length ? i.schemes : undefined, i.preset].filter(
    (x) => x !== undefined,
  );
  if (given.length === 0) return null;
  if (given.length > 1)
    throw new UsageError("give one of --kdamonds, --scheme or --preset", "--kdamonds/--scheme/--preset");
  const tlb = i.tlb ? undefined : (false as const);
  let nodes: NodeConfig[] = [{ sizeBytes: i.memoryBytes, accessNs: FAST_NS }];
  let attrs = i.attrs;
  let ops = i.ops ?? "vaddr";
  let configs: SchemeConfig[];
  let preset: PresetName | null = null;
  let baselineMachine: MachineOptions | undefined;
  let fastNode: number | null = null;
  let targetRegions: { start: number; end: number }[] | undefined;
  let probes: Probe[] | undefined;
  let sampleFilters: SampleFilter[] | undefined;
  const extraContexts: DamosSetup["extraContexts"] = [];
  if (i.kdamondsFile) {
    const cfg = readKdamondsFile(i.kdamondsFile);
    const nCtx = cfg.kdamonds.reduce((s, k) => s + k.contexts.length, 0);
    if (nCtx !== 1)
      throw new ConfigError(
        `the simulator runs one context; the file has ${nCtx}`,
        `${i.kdamondsFile}: kdamonds[*].contexts`,
      );
    const k = cfg.kdamonds.findIndex((x) => x.contexts.length > 0);
    const c = cfg.kdamonds[k].contexts[0];
    const scWhere = `${i.kdamondsFile}: kdamonds[${k}].contexts[0].sample_control`;
    const primitives = opsForPrimitives(c.ops === "paddr" ? "paddr" : "vaddr", c.sampleControl, scWhere);
    if (c.ops === "fvaddr" && primitives !== "vaddr")
      throw new ConfigError(
        "fvaddr samples by page table only; enable page_table alone",
        `${scWhere}.primitives_enabled`,
      );
    ops = i.ops ?? (c.ops === "fvaddr" ? c.ops : primitives);
    if (c.sampleControl.sampleFilters.length > 0) sampleFilters = sampleFiltersOf(c.sampleControl, scWhere);
    if (opsDescriptor(ops).fixedRegions) {
      // fvaddr: the file's ranges are the monitoring regions, for the whole run.
      targetRegions = c.targets[0]?.regions ?? [];
      if (targetRegions.length === 0)
        throw new ConfigError(
          `${ops} monitors fixed ranges; the context gives none`,
          `${i.kdamondsFile}: kdamonds[${k}].contexts[0].targets[0].regions`,
        );
    }
    attrs = {
      ...attrs,
      sampleUs: c.intervals.sampleUs,
      aggrUs: c.intervals.aggrUs,
      updateUs: c.intervals.updateUs,
      minNrRegions: c.nrRegions.min,
      maxNrRegions: Number.isFinite(c.nrRegions.max) ? c.nrRegions.max : attrs.maxNrRegions,
    };
    configs = c.schemes;
    probes = c.probes;
  } else if (i.schemes?.length) {
    configs = i.schemes.map((t, k) =>
      parseCompactScheme(t, intervalsOf(attrs), i.schemes!.length > 1 ? `--scheme[${k}]` : "--scheme"),
    );
  } else {
    preset = presetName(i.preset!);
    ops = i.ops ?? "paddr";
    if (preset === "tiering") {
      const fast = i.fastMemoryBytes ?? Math.floor(i.footprintBytes / 2);
      if (!(fast >= 4096)) throw new UsageError("the fast tier needs at least one page", "--fast-memory");
      nodes = [
        { sizeBytes: fast, accessNs: FAST_NS },
        { sizeBytes: i.memoryBytes, accessNs: i.slowAccessNs ?? Math.round(FAST_NS * 2.5) },
      ];
      // CPUs on the fast node; the slow tier is a CPU-less (CXL-like) node.
      baselineMachine = {
        tlb,
        nodes: [{ sizeBytes: fast + i.memoryBytes, accessNs: FAST_NS }],
        cpus: [0, 0, 0, 0],
      };
      fastNode = 0;
      attrs = { ...attrs, maxNrRegions: Math.min(attrs.maxNrRegions, TIERING_MAX_REGIONS) };
    }
    const ram = new FrameTable(nodes).ranges.slice();
    configs = presetSchemes(preset, { intervals: intervalsOf(attrs), ram });
    if (preset === "tiering" && ops === "paddr") {
      // One kdamond per node, as the self-tuned tiering setup runs them: each
      // quota then ranks only the regions of its own node.
      const span = (n: number) => {
        const rs = ram.filter((r) => r.node === n);
        return [{ start: rs[0].start, end: rs[rs.length - 1].end }];
      };
      targetRegions = span(1);
      extraContexts.push({ regions: span(0), configs: configs.filter((c) => c.action === "migrate_cold") });
      configs = configs.filter((c) => c.action !== "migrate_cold");
    }
  }
  const machine: MachineOptions = { tlb, nodes, swap: i.swap };
  // The slow tier is CPU-less: every CPU sits on node 0, so only its own latency counts.
  if (fastNode !== null) {
    machine.cpus = [0, 0, 0, 0];
    machine.costs = { remoteAccessExtraNs: 0 };
    baselineMachine!.costs = { remoteAccessExtraNs: 0 };
  }
  const fastNodeFrames = fastNode !== null ? Math.floor(nodes[0].sizeBytes / 4096) : 0;
  return {
    configs,
    ops,
    attrs,
    preset,
    machine,
    baselineMachine,
    targetRegions,
    extraContexts,
    fastNode,
    fastNodeFrames,
    probes,
    sampleFilters,
  };
}
