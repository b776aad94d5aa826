/**
 * Worker threads on our own modules, and waiting for Ctrl-C: shared by the
 * sweep pool, the interference study, and the UI and exporter server threads.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/** The module `name` beside `from` (an import.meta.url): .ts when running from source, else .js. */
export function moduleBeside(from: string, name: string): URL {
  return new URL(`./${name}.${from.endsWith(".ts") ? "ts" : "js"}`, from);
}

/**
 * A worker running the module at `url`. From source (.ts, under tsx: tests,
 * `npx tsx`) the thread registers tsx itself first: on Node 20 a worker does not
 * inherit the loader hooks that `--import tsx` installed in the main thread.
 */
export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** Resolves at the first SIGINT or SIGTERM (and stops listening for them). */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
