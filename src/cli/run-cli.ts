/**
 * Runs a commander program and maps failures to exit codes:
 * 0 success, 1 the job ran and failed, 2 bad input (usage, config, file format).
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../util/errors.js";

/** Thrown by a command whose job ran but whose check did not hold (exit 1). */
export class JobFailed extends Error {}

export async function runCli(program: Command, argv: string[]): Promise<void> {
  const debug = argv.includes("--debug");
  // A reader that goes away (`| head`) ends the output quietly, not with a stack trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw e;
  });
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.exitCode = exitCodeOf(e, debug);
  }
}

function exitCodeOf(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message; help and version exit 0.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`damon-ts: ${err.message}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  if (e instanceof InputError) return 2;
  return 1;
}
