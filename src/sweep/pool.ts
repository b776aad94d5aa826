/**
 * Runs independent jobs on worker threads, one job at a time per worker, as
 * many workers as asked (default: the host's cores). Each worker module
 * answers `{ id, job }` messages with `{ id, ok: true, value }` or `{ id, ok:
 * false, error, input }` (`input`: the job's input was bad), and may send `{
 * id, note }` meanwhile (e.g. progress). The first failure
 * stops every worker and rejects; results come back in job order.
 */
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { InputError } from "../util/errors.js";
import { startModuleWorker } from "../util/worker-thread.js";
import { usableCpus } from "../util/usable-cpus.js";

export interface JobDone<R> {
  index: number;
  value: R;
  /** Host wall time of the job inside its worker. */
  hostMs: number;
}

export type WorkerReply<R> =
  | { id: number; ok: true; value: R; hostMs: number }
  | { id: number; ok: false; error: string; input: boolean }
  | { id: number; ok?: undefined; note: unknown };

/**
 * The worker side of the protocol: answers each `{ id, job }` on this thread's
 * port with the job's value and host time, or with its error as one line
 * (`errorText`) and whether the input was bad; `note` sends a note for the job.
 * Does nothing on the main thread, so a worker module calls it at top level.
 */
export function serveJobs<J, R>(
  run: (job: J, note: (note: unknown) => void) => R,
  errorText: (e: unknown, job: J) => string,
): void {
  if (isMainThread || !parentPort) return;
  const port = parentPort;
  port.on("message", ({ id, job }: { id: number; job: J }) => {
    const t0 = performance.now();
    let reply: WorkerReply<R>;
    try {
      const value = run(job, (note) => port.postMessage({ id, note }));
      reply = { id, ok: true, value, hostMs: performance.now() - t0 };
    } catch (e) {
      reply = { id, ok: false, error: errorText(e, job), input: e instanceof InputError };
    }
    port.postMessage(reply);
  });
}

export interface PoolOptions<R> {
  /** Workers to start (default: available cores, at most the number of jobs). */
  workers?: number;
  /** Where a job's bad input came from (e.g. the grid file): prefixes its error. */
  inputWhere?: string;
  /** Called as each job finishes. */
  onDone?: (d: JobDone<R>, finished: number, total: number) => void;
  /** Called with each note a job sends before it finishes. */
  onNote?: (index: number, note: unknown) => void;
}

/**
 * A worker running `url`. From source (.ts, under tsx: tests, `npx tsx`) the
 * worker registers tsx itself first: on Node 20 a worker does not inherit the
 * hooks that `--import tsx` installed in the main thread.
 */
function startWorker(url: URL): Worker {
  return startModuleWorker(url);
}

/** One worker per CPU this process may keep busy (the affinity mask and the cgroup quota). */
export function defaultWorkers(): number {
  return usableCpus();
}

/** The jobs' results in job order. */
export function runOnWorkers<J, R>(workerUrl: URL, jobs: J[], opts: PoolOptions<R> = {}): Promise<R[]> {
  const n = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), jobs.length));
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return Promise.resolve(results);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    /** Workers stopped on purpose: their exit code (1 after terminate) is no failure. */
    const retired = new Set<Worker>();
    const retire = (w: Worker): void => {
      retired.add(w);
      void w.terminate();
    };
    let next = 0;
    let finished = 0;
    let failed = false;
    const stop = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) retire(w);
      reject(e);
    };
    const feed = (w: Worker): void => {
      if (next >= jobs.length) {
        retire(w);
        return;
      }
      const id = next++;
      w.postMessage({ id, job: jobs[id] });
    };
    for (let k = 0; k < n; k++) {
      const w = startWorker(workerUrl);
      workers.push(w);
      w.on("message", (m: WorkerReply<R>) => {
        if (failed) return;
        if (m.ok === undefined) {
          opts.onNote?.(m.id, m.note);
          return;
        }
        if (!m.ok) {
          stop(m.input ? new InputError(m.error, opts.inputWhere) : new Error(m.error));
          return;
        }
        results[m.id] = m.value;
        finished++;
        opts.onDone?.({ index: m.id, value: m.value, hostMs: m.hostMs }, finished, jobs.length);
        if (finished === jobs.length) {
          for (const x of workers) retire(x);
          resolve(results);
        } else feed(w);
      });
      w.on("error", (e) => stop(e));
      w.on("exit", (code) => {
        if (!retired.has(w) && !failed && code !== 0)
          stop(new Error(`a worker thread exited with code ${code}`));
      });
      feed(w);
    }
  });
}
