/**
 * `run`'s simulations on worker threads: each operation set's monitored run and
 * the unmonitored baseline are independent, so they run side by side (the sweep's
 * pool, src/sweep/pool.ts) and the main thread prints the same report from their
 * results as plain data. Runs whose observers live on the main thread (DAMOS
 * handles, --record, --ui, the exporter) or whose length is known only at their
 * end (a trace replayed to its end: the baseline runs that long) stay on it.
 */
import { withBaseline, type BaselineFigures, type ResultData } from "../eval/experiment.js";
import type { PreparedRun } from "../eval/run-plan.js";
import { runOnWorkers } from "../sweep/pool.js";
import { moduleBeside } from "../util/worker-thread.js";
import type { RunOptionValues } from "./commands/run.js";
import { RunProgress } from "./progress.js";
import { minOf } from "../util/extremes.js";

/** One simulation of a run: an operation set's monitored run, or the baseline (ops null). */
export interface RunThreadJob {
  workloadName: string;
  options: RunOptionValues;
  opsList: string[];
  opsExplicit: boolean;
  ops: string | null;
}

export type RunThreadResult =
  { kind: "run"; data: ResultData } | { kind: "baseline"; figures: BaselineFigures };

/** How many simulations the prepared run has that could run apart, or 0 when it must stay on this thread. */
export function threadableSimulations(o: RunOptionValues, prepared: PreparedRun, hasFeed: boolean): number {
  if (
    prepared.damos ||
    o.record !== undefined ||
    o.ui ||
    hasFeed ||
    !Number.isFinite(prepared.plan.durationNs)
  )
    return 0;
  return prepared.ops.length + (prepared.plan.baseline ? 1 : 0);
}

/**
 * Runs the prepared run's simulations on up to `workers` threads; returns one
 * result per operation set, in order, each with the baseline's figures filled in.
 */
export async function runOnThreads(
  workloadName: string,
  o: RunOptionValues,
  prepared: PreparedRun,
  opsExplicit: boolean,
  workers: number,
): Promise<ResultData[]> {
  const { plan, ops } = prepared;
  const options: RunOptionValues = { ...o, jobs: undefined };
  const job = (x: string | null): RunThreadJob => ({
    workloadName,
    options,
    opsList: plan.ops,
    opsExplicit,
    ops: x,
  });
  // The monitored runs first: the baseline, the shortest, fills in after one of them.
  const jobs = [...ops.map(job), ...(plan.baseline ? [job(null)] : [])];
  // One bar: the run furthest behind.
  const progress = new RunProgress(`${plan.workload.name} / ${ops.join(", ")}`, o.progress);
  const at = ops.map(() => 0);
  try {
    const out = await runOnWorkers<RunThreadJob, RunThreadResult>(
      moduleBeside(import.meta.url, "run-worker"),
      jobs,
      {
        workers,
        onNote: (i, note) => {
          if (typeof note !== "number" || i >= at.length) return;
          at[i] = note;
          progress.update(minOf(at), plan.durationNs);
        },
      },
    );
    const results: ResultData[] = [];
    let baseline: BaselineFigures | null = null;
    for (const r of out) {
      if (r.kind === "run") results.push(r.data);
      else baseline = r.figures;
    }
    if (baseline) for (const r of results) withBaseline(r, baseline);
    return results;
  } finally {
    progress.done();
  }
}
