/**
 * The worker thread of `run`'s simulations (src/cli/run-threads.ts starts it):
 * rebuilds the run plan from the same options with the same parser, and runs one
 * operation set's monitored run (without its baseline) or the baseline alone.
 * A separate module from run-threads.ts: a module that answers on parentPort
 * must not be imported by code that other workers (the sweep's) load.
 */
import { resultData, runBaseline } from "../eval/experiment.js";
import { executeRun } from "../eval/run-plan.js";
import { serveJobs } from "../sweep/pool.js";
import { preparedRunFromOptions } from "./commands/run.js";
import { systemErrorText } from "./run-cli.js";
import type { RunThreadJob, RunThreadResult } from "./run-threads.js";

/** Runs one job; `progress` gets the simulated time about every simulated second. */
function runJob(job: RunThreadJob, progress: (nowNs: number) => void): RunThreadResult {
  const prepared = preparedRunFromOptions(job.workloadName, job.options, job.opsList, job.opsExplicit);
  const p = prepared.plan;
  if (job.ops === null)
    return {
      kind: "baseline",
      figures: runBaseline(p.workload, prepared.baselineMachine ?? prepared.machine, p.seed, p.durationNs),
    };
  p.baseline = false;
  const [r] = executeRun({ ...prepared, ops: [job.ops] }, () => ({ onProgress: (now) => progress(now) }));
  return { kind: "run", data: resultData(r) };
}

serveJobs<RunThreadJob, RunThreadResult>(runJob, (e) => {
  const err = e instanceof Error ? e : new Error(String(e));
  return systemErrorText(err) ?? err.message;
});
