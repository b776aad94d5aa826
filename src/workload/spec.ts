/**
 * What a workload is: its memory regions (malloc'd in the process, so large
 * ones are mmap'd in the mmap area as with glibc) and its threads, each pinned
 * to a CPU and running phases of weighted access patterns with masim's
 * semantics. masim configs and the built-in workloads both compile to this.
 */
import type { RwMode } from "./masim-config.js";
import type { Machine } from "../mm/machine.js";
import type { CostModel } from "../mm/cost-model.js";
import type { InstantiateOptions, WorkloadInstance } from "./instantiate.js";

/** masim's nr_accesses_per_region: accesses performed per weighted pick. */
export const MASIM_ACCESSES_PER_PICK = 131_072;

export interface RegionSpec {
  name: string;
  sizeBytes: number;
  /** Preferred NUMA node for its frames (mbind); default: the faulting CPU's node. */
  node?: number;
  /** Whether it is malloc'd at start (default true); otherwise a phase's `map` allocates it. */
  mapped?: boolean;
}

export interface ZipfParams {
  /** Bytes per item (a value in a key-value store). */
  itemBytes: number;
  /** Zipf exponent (0.99 is YCSB's default). */
  skew: number;
  /** Accesses per item read, 64 bytes apart (a cache line each). */
  linesPerItem: number;
  /**
   * Hash ranks to items (a golden-ratio Weyl sequence) instead of rank r = item r,
   * so the hot keys are scattered over the whole heap (a hash table's values).
   */
  scatter?: boolean;
  /** Key of rank 0 (items): phases with different offsets move the hot set (drift). */
  rankOffset?: number;
}

export interface PatternSpec {
  /** Index into the workload's regions. */
  region: number;
  /** seq: masim sequential (offset += stride, kept across picks and phases); random: uniform; zipf: Zipf-ranked items. */
  kind: "seq" | "random" | "zipf";
  strideBytes: number;
  /** Weight of this pattern in a pick (masim probability). */
  probability: number;
  mode: RwMode;
  /** Part of the region the pattern covers (default: all of it). */
  offsetBytes?: number;
  lengthBytes?: number;
  zipf?: ZipfParams;
}

export interface PhaseSpec {
  name: string;
  durationNs: number;
  patterns: PatternSpec[];
  /** Regions freed when the phase starts (munmap for mmap'd ones): the layout changes mid-run. */
  unmap?: number[];
  /** Regions malloc'd (again) when the phase starts, after `unmap`. */
  map?: number[];
}

export interface ThreadSpec {
  /** CPU the thread is pinned to. */
  cpu: number;
  phases: PhaseSpec[];
  /** Run the phase list this many times (masim --repeat; default 1). */
  repeat?: number;
}

export interface WorkloadSpec {
  name: string;
  /** One line, shown by the CLI's --help. */
  description: string;
  /** What a user must hear before its run (a damaged trace replayed anyway); the CLI prints them. */
  warnings?: string[];
  regions: RegionSpec[];
  threads: ThreadSpec[];
  /** Accesses per weighted pick (default MASIM_ACCESSES_PER_PICK). */
  accessesPerPick?: number;
  /** A workload that builds its own process and threads (trace replay); regions/threads are then empty. */
  custom?: CustomWorkload;
}

/** The hook a non-phased workload (a replayed trace) plugs into setupSimulation with. */
export interface CustomWorkload {
  /** Virtual run length, or Infinity: until its threads finish. */
  durationNs: number;
  /** CPUs it wants (its threads are spread over the machine's CPUs). */
  cpus: number;
  /** Cost-model defaults for its machine (the caller's own overrides win). */
  costs?: Partial<CostModel>;
  instantiate(m: Machine, opts: InstantiateOptions): WorkloadInstance;
}

export interface ScaleOptions {
  /** Shrinks sizes and durations alike (default 1). */
  scale?: number;
  /** Overrides `scale` for region sizes. */
  sizeScale?: number;
  /** Overrides `scale` for phase durations. */
  timeScale?: number;
}

/**
 * A copy of `spec` with sizes and durations multiplied. Sizes keep at least
 * one page (regions already smaller stay as they are) and a pattern's part of
 * its region scales with it, and so does the pick length (accesses per
 * weighted pick): a pick then covers the same share of its region at any size,
 * so first touch lays memory out as at full size (unscaled, a 1/64-size zipf-kv
 * could touch most of its values before its first index pick; docs/damos.md).
 */
export function scaleWorkload(spec: WorkloadSpec, opts: ScaleOptions): WorkloadSpec {
  const s = opts.scale ?? 1;
  const ss = opts.sizeScale ?? s;
  const ts = opts.timeScale ?? s;
  for (const [k, v] of [
    ["size scale", ss],
    ["time scale", ts],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${k} must be a positive number, got ${v}`);
  }
  const size = (b: number): number => Math.max(Math.min(b, 4096), Math.round(b * ss));
  const perPick = spec.accessesPerPick ?? MASIM_ACCESSES_PER_PICK;
  return {
    ...spec,
    accessesPerPick: ss === 1 ? spec.accessesPerPick : Math.max(1, Math.round(perPick * ss)),
    regions: spec.regions.map((r) => ({ ...r, sizeBytes: size(r.sizeBytes) })),
    threads: spec.threads.map((t) => ({
      ...t,
      phases: t.phases.map((p) => ({
        ...p,
        durationNs: Math.max(1, Math.round(p.durationNs * ts)),
        patterns: p.patterns.map((pt) => ({
          ...pt,
          offsetBytes: pt.offsetBytes === undefined ? undefined : Math.round(pt.offsetBytes * ss),
          lengthBytes: pt.lengthBytes === undefined ? undefined : size(pt.lengthBytes),
        })),
      })),
    })),
  };
}

/** Checks internal consistency (region indices, ranges, CPUs); throws RangeError naming the field. */
export function validateWorkload(spec: WorkloadSpec, nrCpus: number): void {
  if (spec.regions.length === 0) throw new RangeError(`${spec.name}: no regions`);
  if (spec.threads.length === 0) throw new RangeError(`${spec.name}: no threads`);
  spec.threads.forEach((t, ti) => {
    if (!Number.isInteger(t.cpu) || t.cpu < 0 || t.cpu >= nrCpus) {
      throw new RangeError(
        `${spec.name}: thread ${ti} is pinned to CPU ${t.cpu}, but the machine has ${nrCpus}`,
      );
    }
    t.phases.forEach((p, pi) => {
      for (const r of [...(p.map ?? []), ...(p.unmap ?? [])]) {
        if (!spec.regions[r])
          throw new RangeError(`${spec.name}: thread ${ti} phase ${pi} maps/unmaps unknown region ${r}`);
      }
      p.patterns.forEach((pt, k) => {
        const where = `${spec.name}: thread ${ti} phase ${pi} pattern ${k}`;
        const r = spec.regions[pt.region];
        if (!r) throw new RangeError(`${where}: no region ${pt.region}`);
        const off = pt.offsetBytes ?? 0;
        const len = pt.lengthBytes ?? r.sizeBytes - off;
        if (off < 0 || len <= 0 || off + len > r.sizeBytes)
          throw new RangeError(`${where}: range outside its region`);
        if (pt.kind === "zipf" && (!pt.zipf || pt.zipf.itemBytes <= 0 || pt.zipf.itemBytes > len)) {
          throw new RangeError(`${where}: zipf needs itemBytes within the range`);
        }
      });
    });
  });
}
