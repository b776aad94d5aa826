/**
 * The workloads of the interference study, each with the machine it runs on and
 * the time constants of its consumers. Every workload runs on a two-node machine
 * (CPUs 0-1 on node 0, 2-3 on node 1): NUMA balancing scans and faults
 * everywhere, and `numa-misplaced` gives it real work (the memory first-touched
 * on node 0, the thread on node 1). NUMA balancing's delays are scaled down
 * (200 ms instead of 1 s) so that it acts within a few simulated seconds;
 * DAMON keeps its default intervals and uffd its default 1 s scan period, except
 * on the short replayed trace, where all three are scaled to the trace.
 */
import { fileURLToPath } from "node:url";
import type { Attrs } from "../../core/attrs.js";
import type { MachineOptions } from "../../mm/machine.js";
import type { NumaBalancingOptions } from "../../mm/numa-balancing/index.js";
import { resolveWorkload } from "../../workload/builtins.js";
import type { WorkloadSpec } from "../../workload/spec.js";

const GiB = 2 ** 30;

export interface InterferenceWorkload {
  name: string;
  description: string;
  workload: WorkloadSpec;
  machine: MachineOptions;
  durationNs: number;
  attrs?: Partial<Attrs>;
  numa: NumaBalancingOptions;
  uffdScanMs: number;
}

/** The replayed real trace (a `sort` run captured with `damon-ts trace capture`, shipped with the tests). */
export const DEFAULT_TRACE = fileURLToPath(
  new URL("../../../test/fixtures/traces/sort.dtrace", import.meta.url),
);

export const INTERFERENCE_WORKLOADS = ["stairs", "zipf-kv", "phase-swap", "trace", "numa-misplaced"] as const;
export type InterferenceWorkloadName = (typeof INTERFERENCE_WORKLOADS)[number];

const TWO_NODES: MachineOptions = { nodes: [{ sizeBytes: 2 * GiB }, { sizeBytes: 2 * GiB }], cpus: 4 };
const SCALED_NUMA: NumaBalancingOptions = { scanDelayMs: 200, scanPeriodMinMs: 200, scanPeriodMaxMs: 12_000 };

export interface WorkloadScale {
  /** Simulated seconds per run (default 4; `--quick` 1.5). */
  seconds: number;
  /** Region sizes relative to the workloads' own (default 0.25). */
  sizeScale: number;
  tracePath?: string;
}

/** One study workload at a scale. */
export function interferenceWorkload(name: InterferenceWorkloadName, s: WorkloadScale): InterferenceWorkload {
  const durationNs = Math.round(s.seconds * 1e9);
  const base = { machine: TWO_NODES, durationNs, numa: SCALED_NUMA, uffdScanMs: 1000 };
  switch (name) {
    case "stairs":
      return {
        ...base,
        name,
        description: "masim stairs, phases 5x shorter",
        workload: resolveWorkload("stairs", { timeScale: 0.2, sizeScale: s.sizeScale * 4 }),
      };
    case "zipf-kv":
      return {
        ...base,
        name,
        description: "Zipf key-value store",
        workload: resolveWorkload("zipf-kv", { sizeScale: s.sizeScale }),
      };
    case "phase-swap":
      return {
        ...base,
        name,
        description: "hot and cold sets swapping every second",
        workload: resolveWorkload("phase-swap", { timeScale: 0.2, sizeScale: s.sizeScale }),
      };
    case "trace": {
      // A short real program: intervals scaled to it (DAMON 20 us / 1 ms, uffd and NUMA 20 ms).
      const w = resolveWorkload(`trace:${s.tracePath ?? DEFAULT_TRACE}`, { loop: 50 });
      return {
        ...base,
        name,
        description: "replayed sort trace (50 loops)",
        workload: w,
        durationNs: Math.round(durationNs / 20),
        attrs: { sampleUs: 20, aggrUs: 1000, updateUs: 1000 },
        numa: { scanDelayMs: 10, scanPeriodMinMs: 10, scanPeriodMaxMs: 600 },
        uffdScanMs: 20,
      };
    }
    case "numa-misplaced": {
      const w = resolveWorkload("stairs", { timeScale: 0.2, sizeScale: s.sizeScale * 4 });
      return {
        ...base,
        name,
        description: "stairs first-touched on node 0, run on node 1",
        workload: {
          ...w,
          name: "numa-misplaced",
          regions: w.regions.map((r) => ({ ...r, node: 0 })),
          threads: w.threads.map((t) => ({ ...t, cpu: 2 })),
        },
      };
    }
  }
}
