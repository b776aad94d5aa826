/**
 * The result table of a sweep: one row per cell, the same columns for every
 * cell, as JSON (`damon-ts/sweep/1`, docs/sweep.md) or CSV. A row holds only
 * what the simulation decides — no host timing — so a run, its shards merged,
 * and a rerun give the same table. `mergeTables` joins shard slices and refuses
 * slices of different grids or an incomplete set.
 */
import type { ExperimentResult } from "../eval/experiment.js";
import { FormatError } from "../util/errors.js";
import type { Shard, SweepCell, SweepGrid } from "./grid.js";

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
  for (const k of METRICS) row[k] = r.summary[k];
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
  return t as SweepTable;
}

/** Joins the slices of one grid (every shard 1..N exactly once) into the whole table. */
export function mergeTables(slices: { file: string; table: SweepTable }[]): SweepTable {
  if (slices.length === 0) throw new FormatError("nothing to merge");
  const first = slices[0];
  const count = first.table.shard?.count;
  const seen = new Map<number, string>();
  for (const { file, table } of slices) {
    if (table.gridId !== first.table.gridId)
      throw new FormatError(
        `grid ${table.gridId} differs from ${first.file}'s grid ${first.table.gridId}: slices of different sweeps`,
        file,
      );
    if (table.shard === null)
      throw new FormatError("holds the whole grid already, not a shard (nothing to merge it with)", file);
    if (table.shard.count !== count)
      throw new FormatError(`is shard of ${table.shard.count}, ${first.file} of ${count}`, file);
    const other = seen.get(table.shard.index);
    if (other !== undefined) throw new FormatError(`shard ${table.shard.index} is also in ${other}`, file);
    seen.set(table.shard.index, file);
  }
  const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new FormatError(`shard(s) ${missing.join(", ")} of ${count} missing: give every slice`);
  const rows = slices.flatMap((s) => s.table.rows);
  if (rows.length !== first.table.cells)
    throw new FormatError(`the slices hold ${rows.length} rows, the grid has ${first.table.cells} cells`);
  return sweepTable(first.table.grid, first.table.gridId, first.table.cells, null, rows);
}
