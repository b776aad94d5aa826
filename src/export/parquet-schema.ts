/**
 * The tables `damon-ts export parquet` writes (docs/fleet.md documents them):
 * one Parquet file per table, every row keyed by host, file and record so many
 * hosts' exports can be queried together.
 */

export interface TableSpec {
  name: string;
  /** DuckDB column definitions, in appender order. */
  columns: [string, string][];
}

const KEY: [string, string][] = [
  ["host", "VARCHAR"],
  ["file", "VARCHAR"],
  ["record", "INTEGER"],
];

export const RUNS: TableSpec = {
  name: "runs",
  columns: [
    ...KEY,
    ["kdamond", "INTEGER"],
    ["context", "INTEGER"],
    ["scheme", "INTEGER"],
    ["target_id", "VARCHAR"],
    ["sample_us", "BIGINT"],
    ["aggr_us", "BIGINT"],
    ["update_us", "BIGINT"],
    ["data_source", "VARCHAR"],
    ["nr_snapshots", "BIGINT"],
    ["first_start_ns", "BIGINT"],
    ["last_end_ns", "BIGINT"],
  ],
};

export const SNAPSHOTS: TableSpec = {
  name: "snapshots",
  columns: [
    ...KEY,
    ["snapshot", "INTEGER"],
    ["start_ns", "BIGINT"],
    ["end_ns", "BIGINT"],
    ["nr_regions", "INTEGER"],
    ["monitored_bytes", "BIGINT"],
    ["wss_bytes", "BIGINT"],
    ["total_bytes", "BIGINT"],
    ["sample_interval_us", "BIGINT"],
  ],
};

/** The kernel's limit on probes per context (DAMON 7.2, docs/probes.md). */
export const MAX_PROBES = 4;
const PROBE_HITS_COLUMNS = Array.from({ length: MAX_PROBES }, (_, p): [string, string] => [
  `probe_hits_${p}`,
  "BIGINT",
]);

export const REGIONS: TableSpec = {
  name: "regions",
  columns: [
    ...KEY,
    ["snapshot", "INTEGER"],
    ["start", "BIGINT"],
    ["end", "BIGINT"],
    ["nr_accesses", "INTEGER"],
    ["age", "INTEGER"],
    ["sz_filter_passed", "BIGINT"],
    // DAMON 7.2+ data-attribute probes (at most 4 per context); null where the record has none.
    ...PROBE_HITS_COLUMNS,
  ],
};

export const SCHEME_STATS: TableSpec = {
  name: "scheme_stats",
  columns: [
    ...KEY,
    ["snapshot", "INTEGER"],
    ["nr_tried", "BIGINT"],
    ["sz_tried", "BIGINT"],
    ["nr_applied", "BIGINT"],
    ["sz_applied", "BIGINT"],
    ["sz_ops_filter_passed", "BIGINT"],
    ["qt_exceeds", "BIGINT"],
  ],
};

export const TABLES = [RUNS, SNAPSHOTS, REGIONS, SCHEME_STATS] as const;

export function createTableSql(t: TableSpec): string {
  return `CREATE TABLE ${t.name} (${t.columns.map(([n, ty]) => `"${n}" ${ty}`).join(", ")})`;
}
