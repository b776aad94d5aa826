/**
 * Puts a workload on a machine: creates its process, mallocs its regions in
 * order (glibc-like: ≥128 KiB regions get their own mmap in the mmap area),
 * gives extra threads their 8 MiB pthread stacks, and spawns one thread per
 * ThreadSpec, each fed by a PhasedStream with its own seeded generator.
 */
import type { AddressSpace } from "../mm/address-space.js";
import { THREAD_STACK_BYTES } from "../mm/address-space.js";
import type { Machine, SimThread } from "../mm/machine.js";
import { DEFAULT_SEED, Rng } from "../util/rng.js";
import { InputError } from "../util/errors.js";
import { fmtBytes } from "../util/units.js";
import { PhasedStream, type PhaseEvent, type RegionLayout } from "./phased-stream.js";
import { validateWorkload, type WorkloadSpec } from "./spec.js";

export interface PlacedRegion {
  name: string;
  /** Address malloc returned at start (0 for regions mapped later: see `layout.bases`). */
  addr: number;
  sizeBytes: number;
}

export interface WorkloadInstance {
  spec: WorkloadSpec;
  process: AddressSpace;
  pid: number;
  threads: SimThread[];
  streams: PhasedStream[];
  regions: PlacedRegion[];
  /** Current region addresses (change when phases map/unmap regions). */
  layout: RegionLayout;
}

export interface InstantiateOptions {
  /** Seed of the workload's random choices (default 1). */
  seed?: number;
  /** Called at every phase change of every thread (e.g. GroundTruth.markPhase). */
  onPhase?: (e: PhaseEvent) => void;
  /** Process name (default: the workload's name). */
  comm?: string;
}

export function instantiateWorkload(
  m: Machine,
  spec: WorkloadSpec,
  opts: InstantiateOptions = {},
): WorkloadInstance {
  if (spec.custom) return spec.custom.instantiate(m, opts);
  validateWorkload(spec, m.cpus.length);
  const as = m.createProcess(opts.comm ?? spec.name);
  const bases = new Float64Array(spec.regions.length);
  const mapRegion = (i: number): void => {
    if (bases[i] !== 0) return;
    const r = spec.regions[i];
    try {
      bases[i] = as.malloc(r.sizeBytes, r.name);
    } catch (e) {
      // Name the region: a region too big for the address space comes from the workload's sizes.
      if (e instanceof InputError)
        throw new InputError(
          `workload ${spec.name}: region '${r.name}' (${fmtBytes(r.sizeBytes)}): ${e.message} (--scale sets the regions' sizes)`,
        );
      throw e;
    }
    if (r.node !== undefined) {
      const v = as.vmaAt(bases[i]);
      if (v && v.kind === "mmap") v.policyNode = r.node;
    }
  };
  const unmapRegion = (i: number): void => {
    if (bases[i] === 0) return;
    as.free(bases[i]);
    bases[i] = 0;
  };
  spec.regions.forEach((r, i) => {
    if (r.mapped !== false) mapRegion(i);
  });
  const regions: PlacedRegion[] = spec.regions.map((r, i) => ({
    name: r.name,
    addr: bases[i],
    sizeBytes: r.sizeBytes,
  }));
  for (let t = 1; t < spec.threads.length; t++) as.mmap(THREAD_STACK_BYTES, { name: "[thread stack]" });
  const seeder = new Rng(opts.seed ?? DEFAULT_SEED);
  const layout: RegionLayout = { bases, map: mapRegion, unmap: unmapRegion };
  const streams: PhasedStream[] = [];
  const threads = spec.threads.map((ts, i) => {
    const rng = seeder.fork();
    const tid = m.threads.length;
    const stream = new PhasedStream(spec, i, layout, rng, tid, opts.onPhase ?? null);
    streams.push(stream);
    return m.spawnThread(as, ts.cpu, stream, `${spec.name}/${i}`);
  });
  return { spec, process: as, pid: as.pid, threads, streams, regions, layout };
}
