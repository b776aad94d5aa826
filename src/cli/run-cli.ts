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
  // A reader that goes away (`| head`) ends the output quietly, not with a stack trace;
  // any other failure to write it (a full disk: `> /dev/full`) is said in one line, exit 1.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    if (debug) throw e;
    process.stderr.write(`damon-ts: cannot write the standard output: ${e.code ?? e.message}\n`);
    process.exit(1);
  });
  configureCommandTree(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.exitCode = exitCodeOf(e, debug);
  }
}

/**
 * Gives every command of the tree, subcommands included, the same error handling:
 * commander throws instead of exiting (so the exit code is ours) and its usage
 * messages become one line. Commander copies these settings only into commands
 * created after they are set, so they are applied to the finished tree here, once.
 */
export function configureCommandTree(cmd: Command, path = cmd.name()): void {
  cmd.exitOverride();
  cmd.showHelpAfterError(false);
  cmd.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(usageLine(path, s)),
  });
  for (const sub of cmd.commands) configureCommandTree(sub, `${path} ${sub.name()}`);
}

/** Commander's (possibly multi-line) message as one line naming the command. */
export function usageLine(path: string, message: string): string {
  const text = message
    .replace(/^error: /, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ");
  return `${path}: ${text} (see '${path} --help')\n`;
}

function exitCodeOf(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or the help, for a missing subcommand);
    // asked-for help and the version exit 0, every usage problem 2.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`damon-ts: ${oneLine(systemErrorText(err) ?? err.message)}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  if (e instanceof InputError) return 2;
  return 1;
}

/** At most one line of at most 400 characters: a message never floods the terminal. */
export function oneLine(message: string, max = 400): string {
  const flat = message.replace(/\s*\n\s*/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
};

/**
 * A Node system error (`ENOENT: no such file or directory, open '.x.tmp-42'`) as
 * `FILE: what went wrong`, naming the file the user gave rather than the temporary
 * name an atomic write used (`.NAME.tmp-PID` → `NAME`); undefined for other errors.
 */
export function systemErrorText(e: Error): string | undefined {
  const x = e as NodeJS.ErrnoException;
  if (typeof x.code !== "string" || !/^E[A-Z]+$/.test(x.code)) return undefined;
  const what = SYSTEM_ERRORS[x.code] ?? x.code;
  if (typeof x.path !== "string") return `${x.syscall ? `${x.syscall}: ` : ""}${what}`;
  const path = x.path.replace(/(^|\/)\.([^/]+)\.tmp-\d+$/, "$1$2");
  return `${path}: ${what}`;
}
