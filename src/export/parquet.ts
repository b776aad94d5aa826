/**
 * `damon-ts export parquet`: damo records as Parquet tables for fleet analysis.
 * Records are streamed (src/record/read.ts hands over snapshots as they are
 * parsed) into DuckDB appenders backed by a temporary database file in the output
 * folder, so a record larger than memory is fine; DuckDB's own `COPY ... TO`
 * then writes each table as ZSTD-compressed Parquet, to a temporary name that is
 * renamed into place.
 *
 * Why DuckDB rather than hyparquet-writer: the appender streams rows into a
 * database that spills to disk and COPY writes the row groups from there, so
 * batching and memory are the engine's business, not code of ours; and DuckDB is
 * the engine the fleet queries (docs/fleet.md) and our tests run on anyway.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from "@duckdb/node-api";
import type { DamonRecord, Snapshot } from "../record/model.js";
import { streamRecords } from "../record/read.js";
import { validateRecords } from "../record/validate.js";
import {
  createTableSql,
  MAX_PROBES,
  REGIONS,
  RUNS,
  SCHEME_STATS,
  SNAPSHOTS,
  TABLES,
} from "./parquet-schema.js";

export interface ParquetExportOptions {
  /** Host name for every row; default: each record file's name without its extension. */
  host?: string;
}

export interface ParquetExportResult {
  /** Written files and their row counts, in TABLES order. */
  files: { table: string; path: string; rows: number }[];
}

/** The host a record file stands for when --host is not given: `web-01.data` → `web-01`. */
export function hostOfFile(path: string): string {
  const b = basename(path);
  const dot = b.indexOf(".");
  return dot > 0 ? b.slice(0, dot) : b;
}

const big = (v: number): bigint => BigInt(Math.trunc(v));

/** Streams one file's snapshots into the appenders; returns per-record snapshot counts. */
class FileExporter {
  private readonly counts: number[] = [];
  private readonly firstStart: number[] = [];
  private readonly lastEnd: number[] = [];
  constructor(
    private readonly host: string,
    private readonly file: string,
    private readonly a: Record<string, DuckDBAppender>,
  ) {}

  private key(app: DuckDBAppender, record: number): void {
    app.appendVarchar(this.host);
    app.appendVarchar(this.file);
    app.appendInteger(record);
  }

  snapshots(record: number, snaps: readonly Snapshot[]): void {
    // Snapshots handed over early are checked here with readRecords' rules (numbers in range, times finite).
    validateRecords([{ ...NO_META, snapshots: snaps as Snapshot[] }], `${this.file}: record ${record}`);
    for (const s of snaps) {
      const idx = this.counts[record] ?? 0;
      this.counts[record] = idx + 1;
      if (idx === 0) this.firstStart[record] = s.startNs;
      this.lastEnd[record] = s.endNs;
      this.snapshot(record, idx, s);
    }
  }

  private snapshot(record: number, idx: number, s: Snapshot): void {
    const r = this.a.regions;
    let monitored = 0;
    let wss = 0;
    for (let i = 0; i < s.nr; i++) {
      const sz = s.end[i] - s.start[i];
      monitored += sz;
      if (s.samples[i] >= 1) wss += sz;
      this.key(r, record);
      r.appendInteger(idx);
      r.appendBigInt(big(s.start[i]));
      r.appendBigInt(big(s.end[i]));
      r.appendInteger(s.samples[i]);
      if (Number.isNaN(s.age[i])) r.appendNull();
      else r.appendInteger(s.age[i]);
      if (Number.isNaN(s.szFilterPassed[i])) r.appendNull();
      else r.appendBigInt(big(s.szFilterPassed[i]));
      for (let p = 0; p < MAX_PROBES; p++) {
        const v = s.probeHits?.[p]?.[i];
        if (v === undefined || Number.isNaN(v)) r.appendNull();
        else r.appendBigInt(big(v));
      }
      r.endRow();
    }
    const sn = this.a.snapshots;
    this.key(sn, record);
    sn.appendInteger(idx);
    sn.appendBigInt(big(s.startNs));
    sn.appendBigInt(big(s.endNs));
    sn.appendInteger(s.nr);
    sn.appendBigInt(big(monitored));
    sn.appendBigInt(big(wss));
    if (s.totalBytes === null) sn.appendNull();
    else sn.appendBigInt(big(s.totalBytes));
    if (s.sampleIntervalUs === null) sn.appendNull();
    else sn.appendBigInt(big(s.sampleIntervalUs));
    sn.endRow();
    const d = s.damosStats;
    if (d) {
      const st = this.a.scheme_stats;
      this.key(st, record);
      st.appendInteger(idx);
      for (const v of [d.nrTried, d.szTried, d.nrApplied, d.szApplied, d.szOpsFilterPassed, d.qtExceeds])
        st.appendBigInt(big(v));
      st.endRow();
    }
  }

  /** The records' own fields, and the snapshots that were not handed over early. */
  finish(records: readonly DamonRecord[]): void {
    records.forEach((rec, ri) => {
      this.snapshots(ri, rec.snapshots);
      const r = this.a.runs;
      this.key(r, ri);
      const opt = (v: number | null | undefined): void => (v == null ? r.appendNull() : r.appendInteger(v));
      const optBig = (v: number | null | undefined): void =>
        v == null ? r.appendNull() : r.appendBigInt(big(v));
      opt(rec.kdamondIdx);
      opt(rec.contextIdx);
      opt(rec.schemeIdx);
      if (rec.targetId === null) r.appendNull();
      else r.appendVarchar(rec.targetId);
      optBig(rec.intervals?.sampleUs);
      optBig(rec.intervals?.aggrUs);
      optBig(rec.intervals?.updateUs);
      if (rec.dataSource === null) r.appendNull();
      else r.appendVarchar(rec.dataSource);
      r.appendBigInt(big(this.counts[ri] ?? 0));
      optBig(this.firstStart[ri]);
      optBig(this.lastEnd[ri]);
      r.endRow();
    });
  }
}

const NO_META: Omit<DamonRecord, "snapshots"> = {
  kdamondIdx: null,
  contextIdx: null,
  intervals: null,
  schemeIdx: null,
  targetId: null,
  schemeFilters: [],
  dataSource: null,
};

/** Writes runs/snapshots/regions/scheme_stats.parquet into `outDir` (created if missing). */
export async function exportParquet(
  files: readonly string[],
  outDir: string,
  opts: ParquetExportOptions = {},
): Promise<ParquetExportResult> {
  mkdirSync(outDir, { recursive: true });
  const dbFile = join(outDir, `.damon-export-${process.pid}.duckdb`);
  const cleanup = (): void => {
    for (const f of [dbFile, `${dbFile}.wal`]) rmSync(f, { force: true });
  };
  cleanup();
  const db = await DuckDBInstance.create(dbFile);
  let conn: DuckDBConnection | null = null;
  try {
    conn = await db.connect();
    for (const t of TABLES) await conn.run(createTableSql(t));
    const appenders: Record<string, DuckDBAppender> = {};
    for (const t of TABLES) appenders[t.name] = await conn.createAppender(t.name);
    for (const f of files) {
      const ex = new FileExporter(opts.host ?? hostOfFile(f), f, appenders);
      const records = await streamRecords(f, (ri, snaps) => ex.snapshots(ri, snaps));
      ex.finish(records);
    }
    for (const a of Object.values(appenders)) a.closeSync();
    const out: ParquetExportResult = { files: [] };
    for (const t of [RUNS, SNAPSHOTS, REGIONS, SCHEME_STATS]) {
      const path = join(outDir, `${t.name}.parquet`);
      const tmp = join(outDir, `.${t.name}.parquet.tmp-${process.pid}`);
      const sqlPath = resolve(tmp).replace(/'/g, "''");
      await conn.run(`COPY ${t.name} TO '${sqlPath}' (FORMAT parquet, COMPRESSION zstd)`);
      renameSync(tmp, path);
      const rows = await conn.runAndReadAll(`SELECT count(*) FROM ${t.name}`);
      out.files.push({ table: t.name, path, rows: Number(rows.getRows()[0][0]) });
    }
    return out;
  } finally {
    conn?.closeSync();
    db.closeSync();
    cleanup();
    for (const t of TABLES) {
      const tmp = join(outDir, `.${t.name}.parquet.tmp-${process.pid}`);
      if (existsSync(tmp)) rmSync(tmp, { force: true });
    }
  }
}
