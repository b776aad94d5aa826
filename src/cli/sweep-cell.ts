/**
 * Runs sweep cells: the code a sweep worker thread runs (src/sweep/pool.ts
 * starts it), and the argument check the main thread does before any worker
 * starts. A cell is one `damon-ts run` of one workload with one operation set:
 * its arguments go through the same option parser and the same `runAll`, so a
 * sweep accepts and does exactly what `run` does.
 */
import { Command, CommanderError } from "commander";
import type { SweepCell } from "../sweep/grid.js";
import { serveJobs } from "../sweep/pool.js";
import { sweepRow, type SweepRow } from "../sweep/table.js";
import { ConfigError, InputError } from "../util/errors.js";
import { numaBalancingOption } from "./numa-options.js";
import { attrsFromOptions } from "./options.js";
import { requireSourceOptions, requireTieringOptions } from "./source-options.js";
import {
  addSimulationOptions,
  parseOpsList,
  runAll,
  workloadFromOptions,
  type RunOptionValues,
} from "./commands/run.js";

/**
 * `run`'s option values from a cell's arguments; bad ones raise a ConfigError naming
 * `where`. The grid writes each option as one argument (`--name=value`, `--name`
 * for true, `--no-name` for false: grid.ts), so an option given true that needs a
 * value, or a value for a plain switch, is told apart here.
 */
export function cellOptions(args: string[], where: string): RunOptionValues {
  const cmd = addSimulationOptions(new Command("run").option("--ops <list>", "", "vaddr"))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const byLong = new Map(cmd.options.map((opt) => [opt.long, opt]));
  const given: string[] = [];
  for (const a of args) {
    const eq = a.indexOf("=");
    const long = eq < 0 ? a : a.slice(0, eq);
    const opt = byLong.get(long);
    if (opt === undefined) {
      // `name: true` where run has only --no-name: true is its default.
      if (eq < 0 && a.startsWith("--") && byLong.get(`--no-${a.slice(2)}`)?.negate) continue;
      // `name: false` where run has only the switch --name: false is its default.
      const plain = a.startsWith("--no-") ? byLong.get(`--${a.slice(5)}`) : undefined;
      if (eq < 0 && plain !== undefined && !plain.required && !plain.optional && !plain.negate) continue;
    } else if (eq < 0 && opt.required) throw new ConfigError(`${long} needs a value, not true`, where);
    else if (eq >= 0 && !opt.required && !opt.optional)
      throw new ConfigError(`${long} is a switch: give true or false, not '${a.slice(eq + 1)}'`, where);
    given.push(a);
  }
  try {
    cmd.parse(given, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError)
      // Name an unknown option without the value the grid joined to it ('--memroy=1GiB').
      throw new ConfigError(e.message.replace(/^error: /, "").replace(/'(--[^'=]+)=[^']*'/, "'$1'"), where);
    throw e;
  }
  if (cmd.args.length > 0) throw new ConfigError(`unexpected argument '${cmd.args[0]}'`, where);
  return cmd.opts<RunOptionValues>();
}

/**
 * Checks what can be checked without running: every option value, workload and
 * operation set of the grid. Errors name the grid file and the cell. Returns the
 * workloads' warnings (a damaged trace replayed anyway), each once.
 */
export function checkCells(cells: SweepCell[], file: string): string[] {
  const warnings = new Set<string>();
  const done = new Set<string>();
  // A workload depends on the common options only (not on the source or attributes):
  // built once each, as a trace's scan may decode the whole file.
  const built = new Set<string>();
  for (const c of cells) {
    const key = `${c.workload}\0${c.source}\0${c.attrs}`;
    if (done.has(key)) continue;
    done.add(key);
    const where = `${file}: ${c.workload} / ${c.source} / ${c.attrs}`;
    try {
      const o = cellOptions(c.args, where);
      const ops = parseOpsList(c.source);
      if (ops.length !== 1 || ops[0] !== c.source)
        throw new ConfigError(
          `'${c.source}' is not one operation set: list each source on its own in sources`,
          where,
        );
      if (!built.has(c.workload)) {
        for (const w of workloadFromOptions(c.target, o).warnings ?? []) warnings.add(w);
        built.add(c.workload);
      }
      requireSourceOptions(o, ops, numaBalancingOption(o.numaBalancing) !== undefined);
      requireTieringOptions(o, o.preset === "tiering");
      attrsFromOptions(o);
    } catch (e) {
      if (e instanceof InputError && !e.message.startsWith(file)) throw new ConfigError(e.message, where);
      throw e;
    }
  }
  return [...warnings];
}

/** Runs one cell (one experiment) and returns its table row. */
export function runCell(c: SweepCell): SweepRow {
  const o = cellOptions(c.args, `cell ${c.index}`);
  const [r] = runAll(c.target, o, [c.source], true);
  return sweepRow(c, r);
}

serveJobs<SweepCell, SweepRow>(runCell, (e, job) => {
  const where = `${job.workload} / ${job.source} / ${job.attrs} / seed ${job.seed}`;
  return `${where}: ${e instanceof Error ? e.message : String(e)}`;
});
