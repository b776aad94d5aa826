/**
 * A sweep grid: workloads × access sources × attribute sets × seeds, read from
 * a small YAML (or JSON) file, plus options common to every run. The options
 * are `damon-ts run` options spelt as in its --help without the dashes, so a
 * sweep accepts exactly what `run` accepts; the caller turns them into run
 * arguments (`runArgs`). Cells are numbered in grid order, workloads outermost.
 * A workload given as a relative path (a masim config, `trace:FILE`) is found
 * beside the grid file, wherever the sweep is started from (a job array's tasks
 * may start anywhere).
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as z from "zod";
import { decodeConfigText, readConfigText } from "../config/config-text.js";
import { validate } from "../config/field-error.js";
import { ConfigError, UsageError } from "../util/errors.js";
import { MAX_SEED } from "../util/rng.js";
import { workloadFileOf } from "../workload/builtins.js";
import { tracePathOf } from "../workload/trace-replay.js";

/** Run options a sweep sets itself, per cell: not allowed among the common options. */
export const CELL_OPTIONS = ["ops", "seed", "sample", "aggr", "update", "min-regions", "max-regions"];
/** Run options that make no sense in a table of results. */
const OUTPUT_OPTIONS = ["json", "progress", "heatmap", "record", "record-format", "debug"];
/** Commander's own flags: they print and exit, they are not run options. */
const NOT_RUN_OPTIONS = ["help", "version"];
/**
 * Run options whose value is a file: like workload files, a relative one is found
 * beside the grid file (a job array's tasks may start anywhere), and its contents
 * are part of the grid's digest.
 */
const FILE_OPTIONS = ["kdamonds"];
/** Most shards of one grid: a slice per job-array task, and merge takes one file each. */
export const MAX_SHARDS = 1_000_000;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const attrSet = z.strictObject({
  name: z
    .string()
    .min(1)
    .refine(
      // eslint-disable-next-line no-control-regex
      (s) => s.trim() !== "" && !/[\u0000-\u001f\u007f]/.test(s),
      "a name needs a visible character and no control characters (it is a table column)",
    )
    .optional(),
  sample: z.union([z.string(), z.number()]).optional(),
  aggr: z.union([z.string(), z.number()]).optional(),
  update: z.union([z.string(), z.number()]).optional(),
  "min-regions": z.number().int().positive().optional(),
  "max-regions": z.number().int().positive().optional(),
});
const gridFile = z.strictObject({
  workloads: z.array(z.string().min(1)).min(1),
  sources: z.array(z.string().min(1)).min(1),
  attributes: z.array(attrSet).min(1).optional(),
  seeds: z
    .array(z.number().int().nonnegative().max(MAX_SEED, `a seed is 32 bits: 0 to ${MAX_SEED}`))
    .min(1)
    .optional(),
  options: z.record(z.string(), scalar).optional(),
});

export interface AttributeSet {
  name: string;
  /** Run arguments (`--sample 1ms ...`); empty for DAMON's defaults. */
  args: string[];
}

export interface SweepGrid {
  workloads: string[];
  sources: string[];
  attributes: AttributeSet[];
  seeds: number[];
  /** Common run arguments, in the file's order. */
  args: string[];
}

/** One run of the grid. */
export interface SweepCell {
  /** Position in grid order (0-based). */
  index: number;
  workload: string;
  source: string;
  attrs: string;
  seed: number;
  /** The workload as `run` takes it: `workload`, with a relative file path resolved beside the grid file. */
  target: string;
  /** Every `run` argument of this cell but the workload and `--ops`. */
  args: string[];
}

/** Parses a grid from decoded YAML/JSON; errors name the file and the field. */
export function parseGrid(data: unknown, file?: string): SweepGrid {
  const raw = validate(gridFile, data, file);
  const at = (path: string): string => (file ? `${file}: ${path}` : path);
  const attributes = (raw.attributes ?? [{}]).map((a, i) => {
    const args: string[] = [];
    for (const key of ["sample", "aggr", "update", "min-regions", "max-regions"] as const) {
      if (a[key] !== undefined) args.push(`--${key}=${String(a[key])}`);
    }
    return { name: a.name ?? (args.length === 0 ? "default" : `attrs${i + 1}`), args };
  });
  const names = new Set<string>();
  attributes.forEach((a, i) => {
    if (names.has(a.name))
      throw new ConfigError(`name '${a.name}' is used twice`, at(`attributes[${i}].name`));
    names.add(a.name);
  });
  for (const [dim, list] of [
    ["workloads", raw.workloads],
    ["sources", raw.sources],
    ["seeds", raw.seeds ?? []],
  ] as const) {
    const seen = new Set<string | number>();
    list.forEach((v, i) => {
      if (seen.has(v)) throw new ConfigError(`${JSON.stringify(v)} is listed twice`, at(`${dim}[${i}]`));
      seen.add(v);
    });
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(raw.options ?? {})) {
    const name = key.replace(/^--/, "");
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      throw new ConfigError(
        `'${key}' is not a run option name: write each option as 'name: value', as in 'damon-ts run --help' without the dashes`,
        at(`options.${key}`),
      );
    if (NOT_RUN_OPTIONS.includes(name))
      throw new ConfigError(`'${name}' is not a run option`, at(`options.${key}`));
    if (CELL_OPTIONS.includes(name))
      throw new ConfigError(
        `'${name}' is a dimension of the grid: set it in workloads/sources/attributes/seeds`,
        at(`options.${key}`),
      );
    if (OUTPUT_OPTIONS.includes(name))
      throw new ConfigError(
        `'${name}' does not apply to a sweep (its output is the table)`,
        at(`options.${key}`),
      );
    // One argument per option (`--name=value`): a value that starts with a dash stays a
    // value, and `name: true` on an option that needs one is found as such (sweep-cell.ts).
    if (value === true) args.push(`--${name}`);
    else if (value === false) args.push(`--no-${name}`);
    else args.push(`--${name}=${String(value)}`);
  }
  return { workloads: raw.workloads, sources: raw.sources, attributes, seeds: raw.seeds ?? [1], args };
}

/** Reads a grid file (YAML or JSON). */
export function readGridFile(file: string): SweepGrid {
  return parseGrid(decodeConfigText(readConfigText(file), file), file);
}

/** The folder relative workload paths of the grid file `file` are found in. */
export function gridFolder(file: string): string {
  return dirname(resolve(file));
}

/** The workload argument `run` gets: a relative file path resolved in `folder`. */
function workloadTarget(workload: string, folder: string): string {
  const file = workloadFileOf(workload, folder);
  if (file === null) return workload;
  return tracePathOf(workload) !== null ? `trace:${file}` : file;
}

/**
 * Every cell in grid order: workloads, then sources, attribute sets and seeds.
 * `folder` is where relative workload paths are (the grid file's, `gridFolder`).
 */
export function gridCells(g: SweepGrid, folder = "."): SweepCell[] {
  const cells: SweepCell[] = [];
  const common = g.args.map((a) => {
    const f = optionFile(a, folder);
    return f === null ? a : `${a.slice(0, a.indexOf("=") + 1)}${f}`;
  });
  for (const workload of g.workloads) {
    const target = workloadTarget(workload, folder);
    for (const source of g.sources)
      for (const a of g.attributes)
        for (const seed of g.seeds)
          cells.push({
            index: cells.length,
            workload,
            source,
            attrs: a.name,
            seed,
            target,
            args: [...common, ...a.args, `--seed=${seed}`],
          });
  }
  return cells;
}

/** Bytes of a workload file read into the grid's digest, at each end (all of a small file). */
const DIGEST_END_BYTES = 65536;

/**
 * A digest of a file's size and ends (all of it when small, or `whole`): a trace
 * may be gigabytes, while a config file (`whole`) is read whole by the run anyway.
 */
function fileDigest(path: string, whole = false): string {
  const h = createHash("sha256");
  let fd = -1;
  try {
    const size = statSync(path).size;
    h.update(`${size}:`);
    fd = openSync(path, "r");
    const buf = Buffer.alloc(whole ? size : Math.min(size, 2 * DIGEST_END_BYTES));
    if (size <= buf.length) readSync(fd, buf, 0, size, 0);
    else {
      readSync(fd, buf, 0, DIGEST_END_BYTES, 0);
      readSync(fd, buf, DIGEST_END_BYTES, DIGEST_END_BYTES, size - DIGEST_END_BYTES);
    }
    h.update(buf);
  } catch {
    h.update("unreadable"); // the run reports the file itself
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return h.digest("hex");
}

/**
 * A short digest of the grid and of the workload files it names (found in `folder`):
 * slices of different grids, or of one grid file over different workload files,
 * must not be merged.
 */
export function gridId(g: SweepGrid, folder = "."): string {
  const h = createHash("sha256").update(JSON.stringify(g));
  for (const w of g.workloads) {
    const file = workloadFileOf(w, folder);
    if (file !== null) h.update(`\0${w}\0${fileDigest(file)}`);
  }
  for (const a of g.args) {
    const file = optionFile(a, folder);
    if (file !== null) h.update(`\0${a}\0${fileDigest(file, true)}`);
  }
  return h.digest("hex").slice(0, 16);
}

/** The file a `--name=value` argument of a FILE_OPTIONS option names, resolved in `folder`; else null. */
function optionFile(arg: string, folder: string): string | null {
  const eq = arg.indexOf("=");
  if (eq < 0 || !FILE_OPTIONS.includes(arg.slice(2, eq))) return null;
  const value = arg.slice(eq + 1);
  if (value === "") return null;
  return isAbsolute(value) ? value : resolve(folder, value);
}

/** Which slice of the grid a shard runs. */
export interface Shard {
  /** 1-based, as Slurm's and Kubernetes' array indices are turned into it (docs/sweep.md). */
  index: number;
  count: number;
}

/** Parses `I/N` (1 ≤ I ≤ N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count))
    throw new UsageError(`'${text}' is not a shard I/N with 1 <= I <= N`, "--shard");
  if (count > MAX_SHARDS) throw new UsageError(`'${text}': N is at most ${MAX_SHARDS}`, "--shard");
  return { index, count };
}

/** The cells of one shard: every count-th cell, so each slice gets a mix of the grid. */
export function shardCells(cells: SweepCell[], s: Shard): SweepCell[] {
  return cells.filter((c) => c.index % s.count === s.index - 1);
}
