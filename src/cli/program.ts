/**
 * The `damon-ts` program: every top-level command, with the module that registers
 * it, loaded only when the command line names it (command-index.ts describes the
 * others for help and did-you-mean).
 */
import { readFileSync } from "node:fs";
import { Command, Help } from "commander";
import { COMMAND_INDEX } from "./command-index.js";

type Register = (program: Command) => void;

/**
 * Every top-level command, in help order, with the module that registers it.
 * Modules are imported only when needed: loading all of them costs about
 * 0.5 CPU-s at start-up, more than a whole `report wss` on a large record.
 */
export const COMMANDS: readonly (readonly [string, (args: readonly string[]) => Promise<Register>])[] = [
  ["demo", async () => (await import("./commands/demo.js")).registerDemo],
  ["run", async () => (await import("./commands/run.js")).registerRun],
  ["record", async () => (await import("./commands/run.js")).registerRecord],
  ["race", async () => (await import("./commands/race.js")).registerRace],
  ["compare", async () => (await import("./commands/compare.js")).registerCompare],
  ["kernel", async () => (await import("./commands/kernel.js")).registerKernel],
  ["vm", async () => (await import("./commands/vm.js")).registerVm],
  ["fidelity", async () => (await import("./commands/fidelity.js")).registerFidelity],
  ["trace", async () => (await import("./commands/trace.js")).registerTrace],
  // report loads only the kind of report the arguments name
  ["report", async (args) => (await import("./commands/report.js")).reportRegister(args)],
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

/** The command the arguments name: the first that is not an option (the top level has no option taking a value); `help X` names X. */
function namedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

/**
 * The program with the command `args` names loaded, or, when it names none we
 * know (help, a typo to suggest a fix for, no command, `--version`), with every
 * command described by the index only (no module loaded). `all` loads every one;
 * `commands` is the table to load from (tests count the loads).
 */
export async function buildProgram(
  args: readonly string[] = [],
  all = false,
  commands: typeof COMMANDS = COMMANDS,
): Promise<Command> {
  const program = new Command("damon-ts")
    .description(
      "DAMON (Linux's Data Access MONitor) in TypeScript, with a simulated memory system to watch.\n" +
        "Run `damon-ts <command> --help` for the options of each command.",
    )
    .version(packageVersion(), "-V, --version", "print the damon-ts version")
    .option("--debug", "print stack traces of errors");
  const name = namedCommand(args);
  const named = commands.filter(([n]) => all || n === name);
  if (named.length > 0) {
    const registers = await Promise.all(named.map(([, load]) => load(args)));
    for (const register of registers) register(program);
    return program;
  }
  // help's lines for commands not loaded: their term and description from the index
  const terms = new Map<Command, string>();
  for (const c of COMMAND_INDEX) terms.set(program.command(c.name).description(c.description), c.term);
  const standard = new Help();
  program.configureHelp({
    subcommandTerm: (cmd: Command): string => terms.get(cmd) ?? standard.subcommandTerm(cmd),
  });
  return program;
}
