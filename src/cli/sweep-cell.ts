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
import { attrsFromOptions } from "./options.js";
import {
  addSimulationOptions,
  parseOpsList,
  runAll,
  workloadFromOptions,
  type RunOptionValues,
} from "./commands/run.js";

/** `run`'s option values from a cell's arguments; bad ones raise a ConfigError naming `where`. */
export function cellOptions(args: string[], where: string): RunOptionValues {
  const cmd = addSimulationOptions(new Command("run").option("--ops <list>", "", "vaddr"))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    cmd.parse(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) throw new ConfigError(e.message.replace(/^error: /, ""), where);
    throw e;
  }
  if (cmd.args.length > 0) throw new ConfigError(`unexpected argument '${cmd.args[0]}'`, where);
  return cmd.opts<RunOptionValues>();
}

/**
 * Checks what can be checked without running: every option value, workload and
 * operation set of the grid. Errors name the grid file and the cell.
 */
export function checkCells(cells: SweepCell[], file: string): void {
  const done = new Set<string>();
  for (const c of cells) {
    const key = `${c.workload}\0${c.source}\0${c.attrs}`;
    if (done.has(key)) continue;
    done.add(key);
    const where = `${file}: ${c.workload} / ${c.source} / ${c.attrs}`;
    try {
      const o = cellOptions(c.args, where);
      parseOpsList(c.source);
      workloadFromOptions(c.workload, o);
      attrsFromOptions(o);
    } catch (e) {
      if (e instanceof InputError && !e.message.startsWith(file)) throw new ConfigError(e.message, where);
      throw e;
    }
  }
}

/** Runs one cell (one experiment) and returns its table row. */
export function runCell(c: SweepCell): SweepRow {
  const o = cellOptions(c.args, `cell ${c.index}`);
  const [r] = runAll(c.workload, o, [c.source], true);
  return sweepRow(c, r);
}

serveJobs<SweepCell, SweepRow>(runCell, (e, job) => {
  const where = `${job.workload} / ${job.source} / ${job.attrs} / seed ${job.seed}`;
  return `${where}: ${e instanceof Error ? e.message : String(e)}`;
});
