/**
 * `damon-ts export parquet RECORD... -o DIR`: damo records as Parquet tables
 * (runs, snapshots, regions, scheme_stats) for fleet-wide SQL (docs/fleet.md).
 */
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { exportParquet } from "../../export/parquet.js";
import { UsageError } from "../../util/errors.js";
import { announceWritten, existedBefore, requireInputFile } from "../files.js";

interface ExportParquetOptions {
  output: string;
  host?: string;
}

export function registerExport(program: Command): void {
  const exp = program
    .command("export")
    .description("export records for other tools (Parquet for DuckDB, Spark, Trino, ...)");
  exp
    .command("parquet")
    .argument("<record...>", "damo record files (json_compressed, json or perf_script)")
    .description("write records as Parquet tables: runs, snapshots, regions, scheme_stats (docs/fleet.md)")
    .requiredOption("-o, --output <dir>", "folder for the .parquet files (created if missing)")
    .option(
      "--host <name>",
      "host column of every row (default: each record file's name up to its first dot)",
    )
    .addHelpText(
      "after",
      "\nExample:\n  damon-ts export parquet web-01.data web-02.data -o fleet/\n" +
        "  duckdb -c \"SELECT host, max(wss_bytes) FROM 'fleet/snapshots.parquet' GROUP BY host\"\n",
    )
    .action(async (records: string[], o: ExportParquetOptions) => {
      for (const r of records) requireInputFile(r, "record file");
      if (existsSync(o.output) && !statSync(o.output).isDirectory())
        throw new UsageError(`${o.output} is a file, not a folder`, "--output");
      if (o.host !== undefined && o.host.trim() === "") throw new UsageError("must not be empty", "--host");
      const names = ["runs", "snapshots", "regions", "scheme_stats"];
      const before = new Map(names.map((n) => [n, existedBefore(`${o.output}/${n}.parquet`)]));
      const res = await exportParquet(records, o.output, { host: o.host });
      for (const f of res.files) announceWritten(f.path, before.get(f.table) ?? false, [`${f.rows} rows`]);
    });
}
