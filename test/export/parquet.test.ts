/**
 * `export parquet` checked with DuckDB (@duckdb/node-api) against damon-ts's own
 * reports on the same records: sums, WSS and nr_regions percentiles, DAMOS stats,
 * run metadata and the host column; plus streaming (snapshots handed over while a
 * large record is still being read) and the CLI's bad-input errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { exportParquet } from "../../src/export/parquet.js";
import { readRecords, streamRecords } from "../../src/record/read.js";
import type { DamonRecord } from "../../src/record/model.js";
import { RecordWriter } from "../../src/record/write.js";
import { WSS_DEFAULTS, wssReport } from "../../src/report/wss.js";
import { nrRegionsReport } from "../../src/report/nr-regions.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../cli/helpers.js";

/** A seeded record: `n` snapshots of 5..40 regions, DAMOS stats every 3rd snapshot. */
function writeRecord(path: string, seed: number, n: number, maxRegions = 40): void {
  const rng = new Rng(seed);
  const w = new RecordWriter(path, {
    targetId: seed,
    intervals: { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000 },
  });
  let applied = 0;
  for (let s = 0; s < n; s++) {
    const nr = 5 + (rng.nextU32() % (maxRegions - 4));
    let addr = 0x10000 + (rng.nextU32() % 64) * 4096;
    const regions = [];
    for (let i = 0; i < nr; i++) {
      const size = (1 + (rng.nextU32() % 256)) * 4096;
      const hot = rng.nextU32() % 3 === 0;
      regions.push({
        start: addr,
        end: addr + size,
        nrAccesses: hot ? rng.nextU32() % 21 : 0,
        age: rng.nextU32() % 50,
        // the first host's record carries two probes' hits (DAMON 7.2+), the second none
        ...(seed === 1 ? { probeHits: [rng.nextU32() % 20, rng.nextU32() % 7] } : {}),
      });
      addr += size;
    }
    applied += 4096 * (rng.nextU32() % 10);
    w.addSnapshot({
      startNs: s * 100e6,
      endNs: (s + 1) * 100e6,
      regions,
      damosStats:
        s % 3 === 0
          ? {
              nrTried: s,
              szTried: 8192 * s,
              nrApplied: s >> 1,
              szApplied: applied,
              szOpsFilterPassed: 0,
              qtExceeds: s % 2,
            }
          : null,
    });
  }
  w.close();
}

const dir = tempDir("damon-parquet-");
const files = [join(dir, "web-01.data"), join(dir, "web-02.data")];
const out = join(dir, "out");
let records: DamonRecord[][] = [];
let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  writeRecord(files[0], 1, 150);
  writeRecord(files[1], 2, 90);
  records = await Promise.all(files.map((f) => readRecords(f)));
  await exportParquet(files, out);
  db = await DuckDBInstance.create(":memory:");
  conn = await db.connect();
});
after(() => {
  conn?.closeSync();
  db?.closeSync();
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql.replaceAll("@", `${out}/`))).getRowsJS();
}
const num = (v: unknown): number => Number(v);

void test("regions and snapshots: counts and sums equal the records', per host from the file name", async () => {
  for (const [k, host] of ["web-01", "web-02"].entries()) {
    const rec = records[k][0];
    let nRegions = 0;
    let bytes = 0;
    let acc = 0;
    for (const s of rec.snapshots)
      for (let i = 0; i < s.nr; i++) {
        nRegions++;
        bytes += s.end[i] - s.start[i];
        acc += s.samples[i];
      }
    const [r] = await rows(
      `SELECT count(*), sum("end" - start), sum(nr_accesses), count(DISTINCT snapshot) FROM '@regions.parquet' WHERE host = '${host}'`,
    );
    assert.deepEqual(r.map(num), [nRegions, bytes, acc, rec.snapshots.length], host);
    const [s] = await rows(
      `SELECT count(*), sum(nr_regions) FROM '@snapshots.parquet' WHERE host = '${host}'`,
    );
    assert.deepEqual(s.map(num), [rec.snapshots.length, nRegions]);
  }
});

/** `# <percentile> <value>` lines of a report as [percentile, value] pairs. */
function reportPairs(text: string): [number, number][] {
  return text
    .split("\n")
    .filter((l) => /^\s*\d+\s+\d+/.test(l))
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
}

/** damo's percentile pick in SQL over the values after the first `skip` snapshots. */
function pctSql(column: string, host: string, p: number, skip: number): string {
  return `WITH v AS (SELECT list_sort(list(${column})) AS l FROM '@snapshots.parquet'
            WHERE host = '${host}' AND snapshot >= ${skip})
          SELECT l[least(floor(${p} / 100 * len(l))::INT, len(l) - 1) + 1] FROM v`;
}

void test("probe hits: per-probe sums equal the record's; null where a record has no probes", async () => {
  const rec = records[0][0];
  const sums = [0, 0];
  for (const s of rec.snapshots)
    for (let i = 0; i < s.nr; i++) for (const p of [0, 1]) sums[p] += s.probeHits![p][i];
  const [r] = await rows(
    `SELECT sum(probe_hits_0), sum(probe_hits_1), count(probe_hits_2), count(probe_hits_3) FROM '@regions.parquet' WHERE host = 'web-01'`,
  );
  assert.deepEqual(r.map(num), [...sums, 0, 0]);
  assert.ok(sums[0] > 0 && sums[1] > 0);
  const [n] = await rows(
    `SELECT count(*), count(probe_hits_0) FROM '@regions.parquet' WHERE host = 'web-02'`,
  );
  assert.equal(num(n[1]), 0);
  assert.ok(num(n[0]) > 0);
});

void test("WSS and nr_regions percentiles from SQL equal `report wss` / `report nr_regions`", async () => {
  const percentiles = [0, 10, 25, 50, 75, 90, 100];
  for (const [k, host] of ["web-01", "web-02"].entries()) {
    const wss = reportPairs(
      wssReport(records[k], { ...WSS_DEFAULTS, percentiles, rawNumber: true, nrColsBar: 0 }),
    );
    assert.equal(wss.length, percentiles.length);
    for (const [p, v] of wss)
      assert.equal(num((await rows(pctSql("wss_bytes", host, p, 20)))[0][0]), v, `${host} wss p${p}`);
    const nr = reportPairs(nrRegionsReport(records[k], percentiles, undefined));
    assert.equal(nr.length, percentiles.length);
    for (const [p, v] of nr)
      assert.equal(num((await rows(pctSql("nr_regions", host, p, 20)))[0][0]), v, `${host} nr p${p}`);
  }
});

void test("scheme_stats and runs carry the records' DAMOS stats and metadata", async () => {
  const rec = records[0][0];
  const withStats = rec.snapshots.filter((s) => s.damosStats);
  const [r] = await rows(
    `SELECT count(*), max(sz_applied), sum(qt_exceeds) FROM '@scheme_stats.parquet' WHERE host = 'web-01'`,
  );
  assert.deepEqual(r.map(num), [
    withStats.length,
    Math.max(...withStats.map((s) => s.damosStats!.szApplied)),
    withStats.reduce((a, s) => a + s.damosStats!.qtExceeds, 0),
  ]);
  const runs = await rows(
    `SELECT host, target_id, sample_us, aggr_us, nr_snapshots, last_end_ns FROM '@runs.parquet' ORDER BY host`,
  );
  assert.deepEqual(
    runs.map((x) => [x[0], x[1], num(x[2]), num(x[3]), num(x[4]), num(x[5])]),
    [
      ["web-01", "1", 5000, 100000, 150, 150 * 100e6],
      ["web-02", "2", 5000, 100000, 90, 90 * 100e6],
    ],
  );
});

void test("--host names every row's host", async () => {
  const o = join(dir, "named");
  const res = await exportParquet([files[1]], o, { host: "db-7" });
  assert.deepEqual(
    res.files.map((f) => f.table),
    ["runs", "snapshots", "regions", "scheme_stats"],
  );
  const r = await conn.runAndReadAll(`SELECT DISTINCT host FROM '${o}/regions.parquet'`);
  assert.deepEqual(r.getRowsJS(), [["db-7"]]);
});

void test("streaming: snapshots of a large record are handed over while it is read", async () => {
  const big = join(dir, "big.data");
  writeRecord(big, 3, 1500, 80);
  let handed = 0;
  let calls = 0;
  const recs = await streamRecords(big, (ri, snaps) => {
    assert.equal(ri, 0);
    calls++;
    handed += snaps.length;
  });
  assert.ok(calls >= 2, `handed over in ${calls} batch(es)`);
  assert.equal(handed + recs[0].snapshots.length, 1500);
  assert.ok(recs[0].snapshots.length < 1500 / 2, "most snapshots were not kept");
});

void test("CLI: a missing record is exit 2 naming it; the folder is not a file", () => {
  const r = cli(["export", "parquet", join(dir, "nope.data"), "-o", join(dir, "x")]);
  assert.equal(r.code, 2);
  assert.match(r.err, /nope\.data: record file not found/);
  const f = cli(["export", "parquet", files[0], "-o", files[1]]);
  assert.equal(f.code, 2);
  assert.match(f.err, /is a file, not a folder/);
});
