/**
 * `damon-ts study interference`: the matrix of isolation policy × workload (with
 * the chosen hint-fault consumers on), run in parallel on worker threads. Each
 * workload's unmonitored baseline runs first; its policies' rows follow. Rows
 * come back in matrix order whatever order the workers finish in.
 */
import { Worker } from "node:worker_threads";
import type { IsolationMode } from "../../mm/hinting/index.js";
import type { InterferenceConsumer, InterferenceRow } from "../../eval/interference/run-case.js";
import type { InterferenceWorkloadName, WorkloadScale } from "../../eval/interference/workloads.js";
import { runJob } from "./job.js";
import type { StudyJob, StudyJobResult } from "./job.js";
import { moduleBeside, startModuleWorker } from "../../util/worker-thread.js";
import { usableCpus } from "../../util/usable-cpus.js";

/** Version 2: `damon.f1` is the run's F1 (active windows), with `activeWindows` and `f1Bytes`. */
export const INTERFERENCE_JSON_SCHEMA = "damon-ts/interference/2";

export interface MatrixOptions {
  policies: readonly IsolationMode[];
  workloads: readonly InterferenceWorkloadName[];
  consumers: readonly InterferenceConsumer[];
  scale: WorkloadScale;
  seed: number;
  /** Worker threads (default: the machine's cores); 1 runs everything on the main thread. */
  jobs?: number;
  /** Called when a job finishes: done, total, and what it was. */
  onProgress?: (done: number, total: number, what: string, seconds: number) => void;
}

/**
 * A worker on the compiled worker.js, or — running from source under tsx — a
 * small bootstrap that registers tsx's loader in the thread before it imports
 * worker.ts (a worker does not inherit the parent's loader hooks).
 */
function startWorker(): Worker {
  return startModuleWorker(moduleBeside(import.meta.url, "worker"));
}

type Runner = (j: StudyJob) => Promise<StudyJobResult>;

/** A pool of `n` workers; `close` ends them. */
function workerPool(n: number): { run: Runner; close: () => Promise<void> } {
  const idle: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const all = Array.from({ length: n }, startWorker);
  idle.push(...all);
  const acquire = (): Promise<Worker> =>
    idle.length > 0 ? Promise.resolve(idle.pop()!) : new Promise((res) => waiting.push(res));
  const release = (w: Worker): void => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  const run: Runner = async (j) => {
    const w = await acquire();
    try {
      return await new Promise<StudyJobResult>((res, rej) => {
        const onError = (e: Error): void => rej(e);
        w.once("error", onError);
        w.once("message", (m: { ok: boolean; result?: StudyJobResult; error?: string }) => {
          w.off("error", onError);
          if (m.ok) res(m.result!);
          else rej(new Error(m.error));
        });
        w.postMessage(j);
      });
    } finally {
      release(w);
    }
  };
  return { run, close: async () => void (await Promise.all(all.map((w) => w.terminate()))) };
}

/** Runs the matrix; rows in (workload, policy) order. */
export async function runInterferenceMatrix(o: MatrixOptions): Promise<InterferenceRow[]> {
  const jobs = Math.max(1, o.jobs ?? usableCpus());
  const pool = jobs > 1 ? workerPool(jobs) : null;
  const run: Runner = pool ? pool.run : (j) => Promise.resolve(runJob(j));
  const total = o.workloads.length * (1 + o.policies.length);
  let done = 0;
  const timed = async (j: StudyJob, what: string): Promise<StudyJobResult> => {
    const t0 = performance.now();
    const r = await run(j);
    o.onProgress?.(++done, total, what, (performance.now() - t0) / 1000);
    return r;
  };
  const base = { scale: o.scale, seed: o.seed };
  try {
    const perWorkload = o.workloads.map(async (workload) => {
      const b = await timed({ kind: "baseline", workload, ...base }, `${workload} baseline`);
      const ns = b.kind === "baseline" ? b.nsPerAccess : null;
      return Promise.all(
        o.policies.map(async (policy) => {
          const r = await timed(
            { kind: "case", workload, policy, consumers: [...o.consumers], baselineNsPerAccess: ns, ...base },
            `${policy} × ${workload}`,
          );
          if (r.kind !== "case") throw new Error("a case job returned no row");
          return r.row;
        }),
      );
    });
    return (await Promise.all(perWorkload)).flat();
  } finally {
    await pool?.close();
  }
}
