#!/usr/bin/env node
/**
 * The `damon-ts` command. Each subcommand lives in `commands/<name>.ts` and
 * registers itself on the program; this file only wires them and turns typed
 * errors into one-line messages and exit codes (CONVENTIONS.md).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { runCli } from "./run-cli.js";
import { registerDemo } from "./commands/demo.js";
import { registerRecord, registerRun } from "./commands/run.js";
import { registerRace } from "./commands/race.js";
import { registerCompare } from "./commands/compare.js";
import { registerKernel } from "./commands/kernel.js";
import { registerVm } from "./commands/vm.js";
import { registerFidelity } from "./commands/fidelity.js";
import { registerTrace } from "./commands/trace.js";
import { registerAdjust, registerReport } from "./commands/report.js";
import { registerLive } from "./commands/live.js";
import { registerSweep } from "./commands/sweep.js";
import { registerUi } from "./commands/ui.js";
import { registerExporter } from "./commands/exporter.js";
import { registerExport } from "./commands/export.js";
import { registerStudy } from "./commands/study.js";
import { reportStaleTempFiles } from "../util/temp-report.js";

/** The version in package.json (two folders up from both src/cli and dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("damon-ts")
    .description(
      "DAMON (Linux's Data Access MONitor) in TypeScript, with a simulated memory system to watch.\n" +
        "Run `damon-ts <command> --help` for the options of each command.",
    )
    .version(packageVersion(), "-V, --version", "print the damon-ts version")
    .option("--debug", "print stack traces of errors");
  registerDemo(program);
  registerRun(program);
  registerRecord(program);
  registerRace(program);
  registerCompare(program);
  registerKernel(program);
  registerVm(program);
  registerFidelity(program);
  registerTrace(program);
  registerReport(program);
  registerAdjust(program);
  registerLive(program);
  registerSweep(program);
  registerUi(program);
  registerExporter(program);
  registerExport(program);
  registerStudy(program);
  return program;
}

reportStaleTempFiles();
await runCli(buildProgram(), process.argv);
