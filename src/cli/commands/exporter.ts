/**
 * `damon-ts exporter`: serve DAMON's metrics for Prometheus from one source —
 * the kernel's DAMON_STAT module, kdamonds damon-ts started, a live process, or
 * a simulated run (docs/exporter.md). Never writes to the kernel.
 */
import type { Command } from "commander";
import { DEFAULT_SYSFS_ROOT } from "../../kernel/backend.js";
import { DEFAULT_LISTEN, parseListen, urlOf } from "../../exporter/listen.js";
import type { ReadingSource } from "../../exporter/reading.js";
import { startExporterServer } from "../../exporter/server.js";
import { DamonStatSource } from "../../exporter/sources/damon-stat.js";
import { KernelSource } from "../../exporter/sources/kernel.js";
import { feedLive, liveAccumulator } from "../../exporter/sources/live.js";
import { UsageError } from "../../util/errors.js";
import { parseCount } from "../../util/units.js";
import { addMonitorOptions, attrsFromOptions, type MonitorOptionValues } from "../options.js";

interface ExporterOptionValues extends MonitorOptionValues {
  listen: string;
  source: string;
  root: string;
  sysfsRoot: string;
}

const SOURCES_HELP = `
Sources:
  stat          the DAMON_STAT module's parameters (Linux 6.17+), read-only:
                /sys/module/damon_stat/parameters (under --root)
  kernel        kdamonds damon-ts started (\`damon-ts kernel start\`), read-only from
                --sysfs-root; kdamonds anyone else started are never read
  live:PID      watch process PID as \`damon-ts live --pid PID\` does (perf page faults);
                --sample/--aggr/... set its intervals
  sim:WORKLOAD  a simulated run, as \`damon-ts run WORKLOAD --exporter HOST:PORT\`; run
                options go after --, e.g. -- --time-scale 0.2 --preset reclaim

The URL is printed as stdout's first line; the exporter serves until interrupted.
Examples:
  damon-ts exporter --source stat
  damon-ts exporter --listen 127.0.0.1:0 --source sim:stairs -- --time-scale 0.2
`;

/** Waits for SIGINT or SIGTERM (or the signal passed in). */
function interrupted(abort?: AbortController): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      abort?.abort();
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function registerExporter(program: Command): void {
  const cmd = program
    .command("exporter")
    .usage("[options] [-- RUN-OPTIONS for sim:WORKLOAD]")
    .argument("[run-options...]", "options of `damon-ts run` for a sim: source (after --)")
    .description(
      "serve DAMON metrics for Prometheus (DAMON_STAT, damon-ts kdamonds, a live process or a simulated run)",
    )
    .option("--listen <host:port>", "address to serve /metrics on (port 0: any free port)", DEFAULT_LISTEN)
    .option("--source <source>", "stat, kernel, live:PID or sim:WORKLOAD", "stat")
    .option("--root <dir>", "filesystem root the stat source reads /sys/module under", "/")
    .option("--sysfs-root <dir>", "DAMON sysfs admin directory for the kernel source", DEFAULT_SYSFS_ROOT);
  addMonitorOptions(cmd).addHelpText("after", SOURCES_HELP);
  cmd.action(async (runOptions: string[], o: ExporterOptionValues) => {
    const listen = parseListen(o.listen);
    const [kind, ...rest] = o.source.split(":");
    const arg = rest.join(":");
    if (runOptions.length > 0 && kind !== "sim")
      throw new UsageError("options after -- are run options, for a sim: source only", "exporter");
    if (kind === "sim") {
      if (arg === "") throw new UsageError("give a workload: sim:WORKLOAD (e.g. sim:stairs)", "--source");
      // The same as `run WORKLOAD --exporter`: one code path for simulated runs. The
      // program loads only the command it was started with (program.ts): add run.
      if (!program.commands.some((c) => c.name() === "run")) (await import("./run.js")).registerRun(program);
      await program.parseAsync(
        ["run", arg, "--no-heatmap", ...runOptions, "--exporter", `${listen.host}:${listen.port}`],
        { from: "user" },
      );
      return;
    }
    let source: ReadingSource;
    let startLive: (() => Promise<unknown>) | null = null;
    const abort = new AbortController();
    if (kind === "stat" && arg === "") source = new DamonStatSource(o.root);
    else if (kind === "kernel" && arg === "") {
      const k = new KernelSource(o.sysfsRoot);
      if (k.ours().length === 0)
        process.stderr.write(
          `exporter: no kdamond started by damon-ts under ${o.sysfsRoot} now; they appear once \`damon-ts kernel start\` runs\n`,
        );
      source = k;
    } else if (kind === "live") {
      const pid = parseCount(arg, "--source live:PID");
      if (pid === 0) throw new UsageError("pid 0 is not a process", "--source");
      const acc = liveAccumulator(pid);
      source = acc;
      const attrs = attrsFromOptions(o);
      startLive = () => feedLive(pid, attrs, acc, abort.signal);
    } else
      throw new UsageError(
        `'${o.source}' is not a source (stat, kernel, live:PID, sim:WORKLOAD)`,
        "--source",
      );
    const server = await startExporterServer(source, listen, {
      onError: (m) => process.stderr.write(`${m}\n`),
    }).catch((e: unknown) => {
      abort.abort();
      throw new Error(
        `exporter: cannot listen on ${o.listen}: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
    process.stdout.write(`${urlOf(server.address)}\n`);
    const live = startLive?.() ?? null;
    try {
      await Promise.race([interrupted(abort), live?.then(() => interrupted()) ?? new Promise(() => {})]);
    } finally {
      abort.abort();
      await live?.catch(() => undefined);
      await server.close();
    }
  });
}
