/**
 * Puts a workload on a machine: creates its process, mallocs its regions in
 * order (glibc-like: ≥128 KiB regions get their own mmap in the mmap area),
 * gives extra threads their 8 MiB pthread stacks, and spawns one thread per
 * ThreadSpec, each fed by a PhasedStream with its own seeded generator.
 */
import type { AddressSpace } from "../mm/address-space.js";
import { THREAD_STACK_BYTES } from "../mm/address-space.js";
import type { Machine, SimThread } from "../mm/machine.js";
import { Rng } from "../util/rng.js";
import { PhasedStream, type PhaseEvent } from "./phased-stream.js";
import { validateWorkload, type WorkloadSpec } from "./spec.js";

export interface PlacedRegion {
  name: string;
  /** Address malloc returned. */
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
  validateWorkload(spec, m.cpus.length);
  const as = m.createProcess(opts.comm ?? spec.name);
  const regions: PlacedRegion[] = spec.regions.map((r) => {
    const addr = as.malloc(r.sizeBytes, r.name);
    if (r.node !== undefined) {
      const v = as.vmaAt(addr);
      if (v && v.kind === "mmap") v.policyNode = r.node;
    }
    return { name: r.name, addr, sizeBytes: r.sizeBytes };
  });
  for (let t = 1; t < spec.threads.length; t++) as.mmap(THREAD_STACK_BYTES, { name: "[thread stack]" });
  const seeder = new Rng(opts.seed ?? 1);
  const bases = regions.map((r) => r.addr);
  const streams: PhasedStream[] = [];
  const threads = spec.threads.map((ts, i) => {
    const rng = seeder.fork();
    const tid = m.threads.length;
    const stream = new PhasedStream(spec, i, bases, rng, tid, opts.onPhase ?? null);
    streams.push(stream);
    return m.spawnThread(as, ts.cpu, stream, `${spec.name}/${i}`);
  });
  return { spec, process: as, pid: as.pid, threads, streams, regions };
}
