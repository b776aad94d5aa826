/**
 * `damon-ts sweep FILE`: a grid of runs from a YAML file on worker threads,
 * one table out; `--shard I/N` runs one slice (for job arrays), and
 * `damon-ts sweep merge` joins the slices. docs/sweep.md.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  gridCells,
  gridFolder,
  gridId,
  parseShard,
  readGridFile,
  shardCells,
  type SweepCell,
} from "../../sweep/grid.js";
import { defaultWorkers, runOnWorkers } from "../../sweep/pool.js";
import {
  mergeTables,
  parseTable,
  sweepTable,
  tableCsv,
  tableJson,
  type SweepRow,
  type SweepTable,
} from "../../sweep/table.js";
import { writeFileAtomic, checkOutputPath } from "../../util/atomic-write.js";
import { FormatError, InputError, UsageError } from "../../util/errors.js";
import { announceWritten, existedBefore, refuseOverwritingInput, requireInputFile } from "../files.js";
import { checkCells } from "../sweep-cell.js";
import { jobsOption } from "../options.js";

interface SweepOptionValues {
  shard?: string;
  jobs?: string;
  format?: string;
  output?: string;
  progress?: boolean;
}

const EXAMPLE = `
Grid file (YAML or JSON):
  workloads: [stairs, zigzag]        # built-in names, masim config files, trace:FILE
  sources: [vaddr, paddr, vaddr-fault]
  attributes:                        # optional; default: DAMON's defaults
    - name: default
    - { name: fine, sample: 1ms, aggr: 20ms, min-regions: 10, max-regions: 1000 }
  seeds: [1, 2]                      # optional; default [1]
  options:                           # any 'damon-ts run' option, without the dashes
    time-scale: 0.05
    memory: 1GiB
    baseline: false                  # false gives --no-baseline

Examples:
  damon-ts sweep grid.yaml -o table.json
  damon-ts sweep grid.yaml --format csv > table.csv
  damon-ts sweep grid.yaml --shard 1/2 -o part1.json   # one slice, e.g. one array job
  damon-ts sweep merge part1.json part2.json -o table.json
`;

/** --format, or without it the --output file's extension: CSV for `.csv`, else JSON. */
function formatOf(o: SweepOptionValues): "json" | "csv" {
  const text = o.format ?? (o.output !== undefined && /\.csv$/i.test(o.output) ? "csv" : "json");
  if (text !== "json" && text !== "csv")
    throw new UsageError(`'${text}' is not a format (json, csv)`, "--format");
  return text;
}

function emit(t: SweepTable, format: "json" | "csv", output: string | undefined): void {
  const text = format === "json" ? tableJson(t) : tableCsv(t);
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  const replaced = existedBefore(output);
  writeFileAtomic(output, text);
  announceWritten(output, replaced, [`${t.rows.length} of ${t.cells} cells`]);
}

const label = (c: SweepCell): string => `${c.workload} / ${c.source} / ${c.attrs} / seed ${c.seed}`;

async function sweepAction(file: string, o: SweepOptionValues): Promise<void> {
  const format = formatOf(o);
  const jobs = o.jobs === undefined ? defaultWorkers() : jobsOption(o.jobs);
  const shard = o.shard === undefined ? null : parseShard(o.shard);
  requireInputFile(file, "grid file");
  if (o.output !== undefined) {
    checkOutputPath(o.output);
    refuseOverwritingInput(o.output, [file], "--output");
  }
  const grid = readGridFile(file);
  const folder = gridFolder(file);
  const all = gridCells(grid, folder);
  const cells = shard ? shardCells(all, shard) : all;
  // Every cell, not only this slice's: a broken grid fails in every task of a job array.
  for (const w of checkCells(all, file)) console.error(`warning: ${w}`);
  const show = o.progress === true || process.stderr.isTTY === true;
  const t0 = performance.now();
  let runMs = 0;
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const rows = await runOnWorkers<SweepCell, SweepRow>(
    new URL(`../sweep-cell.${ext}`, import.meta.url),
    cells,
    {
      workers: jobs,
      inputWhere: file,
      onDone: (d, finished, total) => {
        runMs += d.hostMs;
        if (show)
          process.stderr.write(
            `sweep: [${finished}/${total}] ${label(cells[d.index])}: ${(d.hostMs / 1000).toFixed(1)} s\n`,
          );
      },
    },
  );
  const wallMs = performance.now() - t0;
  if (cells.length === 0)
    process.stderr.write(
      `sweep: shard ${shard!.index}/${shard!.count} holds none of the grid's ${all.length} cells: an empty slice\n`,
    );
  else
    process.stderr.write(
      `sweep: ${cells.length} run(s) on ${Math.min(jobs, cells.length)} worker(s) in ${(wallMs / 1000).toFixed(1)} s ` +
        `of wall time, ${(runMs / 1000).toFixed(1)} s of run time (on average ${(runMs / Math.max(1, wallMs)).toFixed(2)} runs at once)\n`,
    );
  emit(sweepTable(grid, gridId(grid, folder), all.length, shard, rows), format, o.output);
}

function mergeAction(files: string[], own: SweepOptionValues, cmd: Command): void {
  // Commander hands the options 'sweep' and 'merge' share (-o, --format) to 'sweep' when
  // they follow the subcommand's arguments: take them from there, and refuse the
  // options that only 'sweep' has rather than ignore them.
  const parent: SweepOptionValues = cmd.parent?.opts() ?? {};
  for (const [key, flag] of [
    ["shard", "--shard"],
    ["jobs", "--jobs"],
    ["progress", "--progress"],
  ] as const)
    if (parent[key] !== undefined)
      throw new UsageError("is an option of 'sweep', not of 'sweep merge'", flag);
  for (const [key, flag] of [
    ["output", "--output"],
    ["format", "--format"],
  ] as const)
    if (own[key] !== undefined && parent[key] !== undefined && own[key] !== parent[key])
      throw new UsageError(`given twice, as '${parent[key]}' and '${own[key]}'`, flag);
  const o: SweepOptionValues = { format: own.format ?? parent.format, output: own.output ?? parent.output };
  const format = formatOf(o);
  if (o.output !== undefined) {
    checkOutputPath(o.output);
    refuseOverwritingInput(o.output, files, "--output");
  }
  const slices = files.map((file) => {
    requireInputFile(file, "sweep table");
    let data: unknown;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
    }
    if (text.startsWith("\uFEFF")) text = text.slice(1);
    try {
      data = JSON.parse(text) as unknown;
    } catch (e) {
      // A slice written as CSV (`--format csv`, or an --output ending in .csv) has the table's header first.
      if (text.startsWith("cell,"))
        throw new FormatError(
          "a CSV table: merge reads the JSON slices 'sweep --shard' writes (-o part1.json), and writes CSV itself with --format csv",
          file,
        );
      throw new FormatError(`not JSON: ${e instanceof Error ? e.message : String(e)}`, file);
    }
    return { file, table: parseTable(data, file) };
  });
  emit(mergeTables(slices), format, o.output);
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command("sweep")
    .argument(
      "<grid-file>",
      "YAML/JSON file: workloads x sources x attributes x seeds, and common run options",
    )
    .description(
      "run a grid of simulations on worker threads across the cores; print one table (docs/sweep.md)",
    )
    .option(
      "--shard <I/N>",
      "run only slice I of N (every Nth cell), for job arrays; join slices with 'sweep merge'",
    )
    .option(
      "-j, --jobs <n>",
      `worker threads (default: the CPUs this process may use, affinity and cgroup quota: ${defaultWorkers()} here)`,
    )
    .option("--format <fmt>", "json or csv (default: csv for an --output file ending in .csv, else json)")
    .option("-o, --output <file>", "write the table to FILE (atomically) instead of stdout")
    .option("--progress", "a line per finished run on stderr even when it is not a terminal")
    .addHelpText("after", EXAMPLE)
    .action(sweepAction);
  cmd
    .command("merge")
    .argument("<slices...>", "JSON tables written by 'sweep --shard I/N', one per shard")
    .description("join shard slices of one grid into the table an unsharded sweep prints")
    .option("--format <fmt>", "json or csv (default: csv for an --output file ending in .csv, else json)")
    .option("-o, --output <file>", "write the table to FILE (atomically) instead of stdout")
    .action(mergeAction);
}
