/**
 * `--exporter HOST:PORT` on simulated runs: a Prometheus exporter that serves
 * the run's metrics while it runs (from a worker thread, serve-worker.ts) and,
 * after it ends, until the process is interrupted.
 */
import { Worker } from "node:worker_threads";
import type { Command } from "commander";
import type { DamosHandle } from "../eval/damos.js";
import { parseListen, urlOf, type ListenAddress } from "./listen.js";
import { runHooks, type RunHooks } from "./sim-update.js";
import type { FromWorker, ToWorker } from "./serve-worker.js";
import { moduleBeside, startModuleWorker, untilInterrupted } from "../util/worker-thread.js";

export function addExporterOption(cmd: Command): Command {
  return cmd.option(
    "--exporter <host:port>",
    "serve the run's DAMON metrics for Prometheus at http://HOST:PORT/metrics while it runs, and after it " +
      "ends until interrupted (port 0: any free port; docs/exporter.md)",
  );
}

/** What runAll needs: hooks for each run, in order. */
export interface RunFeed {
  hooksFor(handle: DamosHandle | undefined): RunHooks;
}

/**
 * The server thread. Built, serve-worker.js sits beside this file; run from the
 * sources under tsx (tests, `node --import tsx`), the thread registers tsx itself
 * first, since Node 20 does not carry `--import` loader hooks into workers.
 */
function serverThread(workerData: object): Worker {
  return startModuleWorker(moduleBeside(import.meta.url, "serve-worker"), { workerData });
}

export class RunExporter implements RunFeed {
  private nextKdamond = 0;
  private readonly runs: RunHooks[] = [];
  private constructor(
    private readonly worker: Worker,
    readonly address: ListenAddress,
  ) {}

  /** Starts the server thread and waits until it listens (a bad address fails here). */
  static async start(listen: ListenAddress, name: string): Promise<RunExporter> {
    const worker = serverThread({ listen, name });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", (m: FromWorker) => {
        if (m.kind === "listening") resolve(m.port);
        else reject(new Error(m.kind === "error" ? m.message : "exporter thread ended"));
      });
    }).catch(async (e: unknown) => {
      await worker.terminate();
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`exporter: cannot listen on ${listen.host}:${listen.port}: ${why}`);
    });
    return new RunExporter(worker, { host: listen.host, port });
  }

  get url(): string {
    return urlOf(this.address);
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  hooksFor(handle: DamosHandle | undefined): RunHooks {
    const first = this.nextKdamond;
    this.nextKdamond += Math.max(1, handle?.runners.length ?? 1);
    // The handle's runners exist only once the run set it up; runHooks reads them per snapshot.
    const hooks = runHooks((update) => this.send({ kind: "update", update }), first, handle);
    this.runs.push(hooks);
    return hooks;
  }

  /** The run ended: keep serving its final state until SIGINT/SIGTERM, then stop. */
  async serveUntilInterrupted(log: (line: string) => void): Promise<void> {
    for (const h of this.runs) h.flush();
    this.send({ kind: "finish" });
    log(`exporter: the run ended; still serving ${this.url} (Ctrl-C to stop)`);
    await untilInterrupted();
    await this.close();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.worker.on("message", (m: FromWorker) => {
        if (m.kind === "closed") resolve();
      });
      this.worker.once("exit", () => resolve());
    });
    this.send({ kind: "close" });
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}

/** Starts the exporter of `--exporter`, announcing its URL on stderr (stdout is the run's); null without it. */
export async function startRunExporterFromOptions(
  o: { exporter?: string },
  name: string,
): Promise<RunExporter | null> {
  if (o.exporter === undefined) return null;
  const e = await RunExporter.start(parseListen(o.exporter, "--exporter"), name);
  process.stderr.write(`exporter: serving ${e.url}\n`);
  return e;
}
