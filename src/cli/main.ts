#!/usr/bin/env node
/**
 * The `damon-ts` command. Each subcommand lives in `commands/<name>.ts` and
 * registers itself on the program (program.ts); this file only runs it, turning
 * typed errors into one-line messages and exit codes (CONVENTIONS.md).
 */
import { runCli } from "./run-cli.js";
import { buildProgram } from "./program.js";
import { reportStaleTempFiles } from "../util/temp-report.js";

reportStaleTempFiles();
await runCli(await buildProgram(process.argv.slice(2)), process.argv);
