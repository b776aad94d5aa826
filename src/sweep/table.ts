/**
 * The result table of a sweep: one row per cell, the same columns for every
 * cell, as JSON (`damon-ts/sweep/1`, docs/sweep.md) or CSV. A row holds only
 * what the simulation decides — no host timing — so a run, its shards merged,
 * and a rerun give the same table. `mergeTables` joins shard slices and refuses
 * slices of different grids or an incomplete set.
 */
import type { ExperimentResult } from "../eval/experiment.js";
import { FormatError } from "../util/errors.js";
import { gridCells, MAX_SHARDS, type Shard, type SweepCell, type SweepGrid } from "./grid.js";

/** Version 2: the run's F1 (f1Active) and the byte-weighted precision and recall beside the plain means. */
export const SWEEP_JSON_SCHEMA = "damon-ts/sweep/2";

/**
 * Columns after the cell's coordinates, taken from the run's summary (docs/metrics.md).
 * The run's F1 first: f1Active (null when no window was active) and the byte-weighted
 * scores; precision, recall and f1 are plain means that count idle windows as 1.
 */
const METRICS = [
  "f1Active",
  "activeWindows",
  "f1Bytes",
  "precisionBytes",
  "recallBytes",
  "precision",
  "recall",
  "f1",
  "freqError",
  "wssRelError",
  "monitorCpuShare",
  "appSlowdown",
  "checksPerSec",
  "faultsPerSec",
  "nrRegionsMin",
  "nrRegionsMax",
  "appAccesses",
  "trueHotPiecesMedian",
] as const;

/** Columns a run has whether or not a window was scored (counts and costs); the others are null without one. */
const KEPT_UNSCORED: readonly string[] = [
  "activeWindows",
  "monitorCpuShare",
  "appSlowdown",
  "checksPerSec",
  "faultsPerSec",
  "appAccesses",
];

export const SWEEP_COLUMNS = [
  "cell",
  "workload",
  "source",
  "attrs",
  "seed",
  "durationNs",
  ...METRICS,
] as const;

export type SweepRow = Record<(typeof SWEEP_COLUMNS)[number], string | number | null>;

export interface SweepTable {
  schema: typeof SWEEP_JSON_SCHEMA;
  grid: SweepGrid;
  gridId: string;
  /** Cells in the whole grid. */
  cells: number;
  /** The slice this table holds; null for the whole grid. */
  shard: Shard | null;
  columns: string[];
  rows: SweepRow[];
}

/** The row of one cell's run. */
export function sweepRow(cell: SweepCell, r: ExperimentResult): SweepRow {
  const row: Partial<SweepRow> = {
    cell: cell.index,
    workload: cell.workload,
    source: cell.source,
    attrs: cell.attrs,
    seed: cell.seed,
    durationNs: r.durationNs,
  };
  // No scored window: its scores are means of nothing (0 in the summary), not results.
  const unscored = r.summary.windowsScored === 0;
  for (const k of METRICS) row[k] = unscored && !KEPT_UNSCORED.includes(k) ? null : r.summary[k];
  return row as SweepRow;
}

export function sweepTable(
  grid: SweepGrid,
  id: string,
  cells: number,
  shard: Shard | null,
  rows: SweepRow[],
): SweepTable {
  const sorted = [...rows].sort((a, b) => Number(a.cell) - Number(b.cell));
  return {
    schema: SWEEP_JSON_SCHEMA,
    grid,
    gridId: id,
    cells,
    shard,
    columns: [...SWEEP_COLUMNS],
    rows: sorted,
  };
}

export function tableJson(t: SweepTable): string {
  return `${JSON.stringify(t, null, 2)}\n`;
}

/** CSV (RFC 4180): a header, then one line per row; null is an empty field. */
export function tableCsv(t: SweepTable): string {
  const field = (v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [t.columns.map(field).join(",")];
  for (const r of t.rows) lines.push(t.columns.map((c) => field(r[c as keyof SweepRow])).join(","));
  return `${lines.join("\n")}\n`;
}

/** Checks a decoded slice file: its schema and the fields merge relies on. */
export function parseTable(data: unknown, file: string): SweepTable {
  const t = data as Partial<SweepTable> | null;
  if (typeof t !== "object" || t === null || t.schema !== SWEEP_JSON_SCHEMA)
    throw new FormatError(`not a sweep table (schema ${SWEEP_JSON_SCHEMA}; merge reads the JSON form)`, file);
  if (typeof t.gridId !== "string" || typeof t.cells !== "number" || !Array.isArray(t.rows) || !t.grid)
    throw new FormatError("sweep table without gridId, cells, grid or rows", file);
  if (!Array.isArray(t.columns) || t.columns.join(",") !== SWEEP_COLUMNS.join(","))
    throw new FormatError(
      `sweep table with other columns than this damon-ts writes (${SWEEP_COLUMNS.length}): run its slice again with this version`,
      file,
    );
  if (!Number.isSafeInteger(t.cells) || t.cells < 0)
    throw new FormatError(`cells: ${String(t.cells)} is not a cell count`, file);
  const gridProblem = gridShapeProblem(t.grid);
  if (gridProblem !== null) throw new FormatError(`grid: ${gridProblem}`, file);
  const g = t.grid;
  const size = g.workloads.length * g.sources.length * g.attributes.length * g.seeds.length;
  if (t.cells !== size)
    throw new FormatError(`cells: ${String(t.cells)}, but its grid has ${size} cells`, file);
  const sh = t.shard as unknown;
  if (sh === undefined) throw new FormatError("sweep table without shard (null for a whole grid)", file);
  if (sh !== null) {
    const { index, count } = sh as Partial<Shard>;
    if (
      !Number.isSafeInteger(index) ||
      !Number.isSafeInteger(count) ||
      count! < 1 ||
      count! > MAX_SHARDS ||
      index! < 1 ||
      index! > count!
    )
      throw new FormatError(
        `shard: ${JSON.stringify(sh)} is not a shard {index, count} with 1 <= index <= count`,
        file,
      );
  }
  t.rows.forEach((r, i) => {
    const problem = rowProblem(r, t.cells!);
    if (problem !== null) throw new FormatError(`rows[${i}]: ${problem}`, file);
  });
  return t as SweepTable;
}

/** What is wrong with a decoded grid's shape (the lists gridCells reads), or null. */
function gridShapeProblem(g: unknown): string | null {
  if (typeof g !== "object" || g === null || Array.isArray(g)) return "not a grid object";
  const x = g as Record<string, unknown>;
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === "string");
  for (const k of ["workloads", "sources", "args"])
    if (!strings(x[k])) return `${k} is not a list of strings`;
  if (!Array.isArray(x.seeds) || !x.seeds.every((s) => Number.isSafeInteger(s)))
    return "seeds is not a list of integers";
  if (
    !Array.isArray(x.attributes) ||
    !x.attributes.every(
      (a) =>
        typeof a === "object" &&
        a !== null &&
        typeof (a as { name?: unknown }).name === "string" &&
        strings((a as { args?: unknown }).args),
    )
  )
    return "attributes is not a list of {name, args}";
  return null;
}

/** What is wrong with a decoded row (every column, each of its type, a cell of the grid), or null. */
function rowProblem(r: unknown, cells: number): string | null {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return "not a row object";
  const row = r as Record<string, unknown>;
  const keys = Object.keys(row);
  const extra = keys.find((k) => !(SWEEP_COLUMNS as readonly string[]).includes(k));
  if (extra !== undefined) return `unknown column '${extra}'`;
  for (const c of SWEEP_COLUMNS) {
    const v = row[c];
    if (!(c in row)) return `column '${c}' is missing`;
    const ok =
      c === "workload" || c === "source" || c === "attrs"
        ? typeof v === "string"
        : c === "cell" || c === "seed"
          ? Number.isSafeInteger(v) && (v as number) >= 0
          : v === null || (typeof v === "number" && Number.isFinite(v));
    if (!ok) return `${c}: ${JSON.stringify(v)} is not what the column holds`;
  }
  if ((row.cell as number) >= cells) return `cell ${String(row.cell)} is not in the grid's ${cells} cells`;
  return null;
}

/** Joins the slices of one grid (every shard 1..N exactly once) into the whole table. */
export function mergeTables(slices: { file: string; table: SweepTable }[]): SweepTable {
  if (slices.length === 0) throw new FormatError("nothing to merge");
  const first = slices[0];
  const count = first.table.shard?.count;
  const gridText = JSON.stringify(first.table.grid);
  const seen = new Map<number, string>();
  const cellIn = new Map<number, string>();
  for (const { file, table } of slices) {
    if (table.gridId !== first.table.gridId)
      throw new FormatError(
        `grid ${table.gridId} differs from ${first.file}'s grid ${first.table.gridId}: slices of different sweeps`,
        file,
      );
    if (JSON.stringify(table.grid) !== gridText || table.cells !== first.table.cells)
      throw new FormatError(
        `its grid or cell count differs from ${first.file}'s under the same gridId: a slice edited by hand`,
        file,
      );
    if (table.shard === null)
      throw new FormatError("holds the whole grid already, not a shard (nothing to merge it with)", file);
    if (table.shard.count !== count)
      throw new FormatError(`is shard of ${table.shard.count}, ${first.file} of ${count}`, file);
    const other = seen.get(table.shard.index);
    if (other !== undefined) throw new FormatError(`shard ${table.shard.index} is also in ${other}`, file);
    seen.set(table.shard.index, file);
    for (const r of table.rows) {
      const cell = Number(r.cell);
      if (cell % count !== table.shard.index - 1)
        throw new FormatError(`cell ${cell} does not belong to shard ${table.shard.index}/${count}`, file);
      const twice = cellIn.get(cell);
      if (twice !== undefined) throw new FormatError(`cell ${cell} is also in ${twice}`, file);
      cellIn.set(cell, file);
    }
  }
  if (seen.size !== count) {
    // Name the first few missing shards without listing up to MAX_SHARDS of them.
    const missing: number[] = [];
    for (let i = 1; i <= count! && missing.length < 10; i++) if (!seen.has(i)) missing.push(i);
    const more = count! - seen.size > missing.length ? ", ..." : "";
    throw new FormatError(
      `shard(s) ${missing.join(", ")}${more} of ${count} missing (${count! - seen.size}): give every slice`,
    );
  }
  const rows = slices.flatMap((s) => s.table.rows);
  // Each row's coordinates are its cell's in the grid (a row edited by hand is not).
  const cells = gridCells(first.table.grid);
  for (const { file, table } of slices)
    for (const r of table.rows) {
      const c = cells[Number(r.cell)];
      if (r.workload !== c.workload || r.source !== c.source || r.attrs !== c.attrs || r.seed !== c.seed)
        throw new FormatError(
          `cell ${c.index} reads ${String(r.workload)} / ${String(r.source)} / ${String(r.attrs)} / seed ${String(r.seed)}, but the grid's cell ${c.index} is ${c.workload} / ${c.source} / ${c.attrs} / seed ${c.seed}`,
          file,
        );
    }
  if (rows.length !== first.table.cells)
    throw new FormatError(`the slices hold ${rows.length} rows, the grid has ${first.table.cells} cells`);
  return sweepTable(first.table.grid, first.table.gridId, first.table.cells, null, rows);
}
