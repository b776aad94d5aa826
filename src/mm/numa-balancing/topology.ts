/**
 * Machine shapes for NUMA experiments: equal DRAM nodes with the CPUs spread
 * over them, or a fast node with every CPU plus a CPU-less slow tier (CXL- or
 * PMEM-like memory with a higher access cost).
 */
import type { NodeConfig } from "../frames.js";
import type { MachineOptions } from "../machine.js";

/** Default slow-tier access cost: 2.5× the default 10 ns local DRAM access. */
export const DEFAULT_SLOW_TIER_ACCESS_NS = 25;

/** `nodes` equal nodes sharing `totalBytes`; the machine spreads its CPUs evenly over them. */
export function equalNodes(nodes: number, totalBytes: number): MachineOptions {
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new RangeError(`node count must be a positive integer, got ${nodes}`);
  const per = Math.floor(totalBytes / nodes / 4096) * 4096;
  if (per < 4096) throw new RangeError(`${totalBytes} bytes cannot be split over ${nodes} nodes`);
  return { nodes: Array.from({ length: nodes }, (): NodeConfig => ({ sizeBytes: per })) };
}

export interface TierShape {
  fastBytes: number;
  slowBytes: number;
  /** Access cost of the slow node (ns, default DEFAULT_SLOW_TIER_ACCESS_NS). */
  slowAccessNs?: number;
}

/** Node 0: fast DRAM with all `cpus` CPUs; node 1: the slow tier, no CPUs. */
export function tieredNodes(t: TierShape, cpus: number): MachineOptions {
  const slowNs = t.slowAccessNs ?? DEFAULT_SLOW_TIER_ACCESS_NS;
  if (!Number.isInteger(slowNs) || slowNs < 1)
    throw new RangeError(`slow-tier latency must be a positive integer (ns), got ${slowNs}`);
  if (!Number.isInteger(cpus) || cpus < 1)
    throw new RangeError(`a machine needs at least one CPU, got ${cpus}`);
  return {
    nodes: [{ sizeBytes: t.fastBytes }, { sizeBytes: t.slowBytes, accessNs: slowNs }],
    cpus: new Array<number>(cpus).fill(0),
  };
}
