/**
 * A sweep grid: workloads × access sources × attribute sets × seeds, read from
 * a small YAML (or JSON) file, plus options common to every run. The options
 * are `damon-ts run` options spelt as in its --help without the dashes, so a
 * sweep accepts exactly what `run` accepts; the caller turns them into run
 * arguments (`runArgs`). Cells are numbered in grid order, workloads outermost.
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import { decodeConfigText, readConfigText } from "../config/config-text.js";
import { validate } from "../config/field-error.js";
import { ConfigError, UsageError } from "../util/errors.js";

/** Run options a sweep sets itself, per cell: not allowed among the common options. */
export const CELL_OPTIONS = ["ops", "seed", "sample", "aggr", "update", "min-regions", "max-regions"];
/** Run options that make no sense in a table of results. */
const OUTPUT_OPTIONS = ["json", "progress", "heatmap", "record", "record-format", "debug"];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const attrSet = z.strictObject({
  name: z.string().min(1).optional(),
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
  seeds: z.array(z.number().int().nonnegative()).min(1).optional(),
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
      if (a[key] !== undefined) args.push(`--${key}`, String(a[key]));
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
    if (value === true) args.push(`--${name}`);
    else if (value === false) args.push(`--no-${name}`);
    else args.push(`--${name}`, String(value));
  }
  return { workloads: raw.workloads, sources: raw.sources, attributes, seeds: raw.seeds ?? [1], args };
}

/** Reads a grid file (YAML or JSON). */
export function readGridFile(file: string): SweepGrid {
  return parseGrid(decodeConfigText(readConfigText(file), file), file);
}

/** Every cell in grid order: workloads, then sources, attribute sets and seeds. */
export function gridCells(g: SweepGrid): SweepCell[] {
  const cells: SweepCell[] = [];
  for (const workload of g.workloads)
    for (const source of g.sources)
      for (const a of g.attributes)
        for (const seed of g.seeds)
          cells.push({
            index: cells.length,
            workload,
            source,
            attrs: a.name,
            seed,
            args: [...g.args, ...a.args, "--seed", String(seed)],
          });
  return cells;
}

/** A short digest of the grid: slices of different grids must not be merged. */
export function gridId(g: SweepGrid): string {
  return createHash("sha256").update(JSON.stringify(g)).digest("hex").slice(0, 16);
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
  return { index, count };
}

/** The cells of one shard: every count-th cell, so each slice gets a mix of the grid. */
export function shardCells(cells: SweepCell[], s: Shard): SweepCell[] {
  return cells.filter((c) => c.index % s.count === s.index - 1);
}
