#!/usr/bin/env node
/**
 * The `damon-ts` command. Each subcommand lives in `commands/<name>.ts` and
 * registers itself on the program; this file only wires them and turns typed
 * errors into one-line messages and exit codes (CONVENTIONS.md).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { runCli } from "./run-cli.js";
import { reportStaleTempFiles } from "../util/temp-report.js";

type Register = (program: Command) => void;

/**
 * Every top-level command, in help order, with the module that registers it.
 * Modules are imported only when needed: loading all of them costs about
 * 0.6 CPU-s at start-up, more than a whole `report wss` on a large record.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Register>])[] = [
  ["demo", async () => (await import("./commands/demo.js")).registerDemo],
  ["run", async () => (await import("./commands/run.js")).registerRun],
  ["record", async () => (await import("./commands/run.js")).registerRecord],
  ["race", async () => (await import("./commands/race.js")).registerRace],
  ["compare", async () => (await import("./commands/compare.js")).registerCompare],
  ["kernel", async () => (await import("./commands/kernel.js")).registerKernel],
  ["vm", async () => (await import("./commands/vm.js")).registerVm],
  ["fidelity", async () => (await import("./commands/fidelity.js")).registerFidelity],
  ["trace", async () => (await import("./commands/trace.js")).registerTrace],
  ["report", async () => (await import("./commands/report.js")).registerReport],
  ["adjust", async () => (await import("./commands/adjust.js")).registerAdjust],
  ["live", async () => (await import("./commands/live.js")).registerLive],
  ["sweep", async () => (await import("./commands/sweep.js")).registerSweep],
  ["ui", async () => (await import("./commands/ui.js")).registerUi],
  ["exporter", async () => (await import("./commands/exporter.js")).registerExporter],
  ["export", async () => (await import("./commands/export.js")).registerExport],
  ["study", async () => (await import("./commands/study.js")).registerStudy],
];

/** The version in package.json (two folders up from both src/cli and dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The program with the command `args` names (the first argument that is not an
 * option; the top level has no option taking a value), or with every command
 * when it names none we know (help, a typo to suggest a fix for, no command).
 */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command("damon-ts")
    .description(
      "DAMON (Linux's Data Access MONitor) in TypeScript, with a simulated memory system to watch.\n" +
        "Run `damon-ts <command> --help` for the options of each command.",
    )
    .version(packageVersion(), "-V, --version", "print the damon-ts version")
    .option("--debug", "print stack traces of errors");
  const name = args.find((a) => !a.startsWith("-"));
  const named = COMMANDS.filter(([n]) => n === name);
  const registers = await Promise.all((named.length > 0 ? named : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

reportStaleTempFiles();
await runCli(await buildProgram(process.argv.slice(2)), process.argv);
