/**
 * One job of the interference study, as it crosses to a worker thread: plain
 * data in, plain data out. `runJob` is what the worker (or the main thread,
 * with one job at a time) runs.
 */
import type { IsolationMode } from "../../mm/hinting/index.js";
import { baselineNsPerAccess, runInterferenceCase } from "../../eval/interference/run-case.js";
import type { InterferenceConsumer, InterferenceRow } from "../../eval/interference/run-case.js";
import { interferenceWorkload } from "../../eval/interference/workloads.js";
import type { InterferenceWorkloadName, WorkloadScale } from "../../eval/interference/workloads.js";

export type StudyJob =
  | { kind: "baseline"; workload: InterferenceWorkloadName; scale: WorkloadScale; seed: number }
  | {
      kind: "case";
      workload: InterferenceWorkloadName;
      scale: WorkloadScale;
      seed: number;
      policy: IsolationMode;
      consumers: InterferenceConsumer[];
      baselineNsPerAccess: number | null;
    };

export type StudyJobResult =
  | { kind: "baseline"; workload: InterferenceWorkloadName; nsPerAccess: number | null }
  | { kind: "case"; row: InterferenceRow };

export function runJob(j: StudyJob): StudyJobResult {
  const w = interferenceWorkload(j.workload, j.scale);
  if (j.kind === "baseline")
    return { kind: "baseline", workload: j.workload, nsPerAccess: baselineNsPerAccess(w, j.seed) };
  return {
    kind: "case",
    row: runInterferenceCase({
      policy: j.policy,
      workload: w,
      consumers: j.consumers,
      seed: j.seed,
      baselineNsPerAccess: j.baselineNsPerAccess,
    }),
  };
}
