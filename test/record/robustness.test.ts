/**
 * Bad record input never crashes, hangs or lies (issue 20, "Parsers and options"):
 * each case failed before its fix as the comment says, and now ends in one
 * FormatError (library) or exit 2 with one line naming the problem (CLI).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { readRecords } from "../../src/record/read.js";
import { writeRecords } from "../../src/record/write.js";
import { rawFormChunks } from "../../src/report/raw-form.js";
import { checkHeatmapResolution } from "../../src/report/heatmap.js";
import { FormatError, UsageError } from "../../src/util/errors.js";
import { twoSnapshotRecord } from "../helpers/records.js";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, "../../src/cli/main.ts");
const TSX = import.meta.resolve("tsx");

const dir = mkdtempSync(join(tmpdir(), "damon-ts-robust-"));
let nr = 0;
function file(text: string): string {
  const f = join(dir, `in-${nr++}`);
  writeFileSync(f, text);
  return f;
}
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A one-region JSON record with the given region fields (JSON text). */
function rec(region: string, snapExtra = ""): string {
  return `[{"target_id": 0, "snapshots": [{"start_time": 0, "end_time": 100${snapExtra}, "regions": [${region}]}]}]`;
}
const goodRegion = `{"start": 4096, "end": 8192, "nr_accesses": {"samples": 3}, "age": {"aggr_intervals": 2}}`;

async function rejects(text: string, re: RegExp): Promise<void> {
  await assert.rejects(readRecords(file(text)), (e: unknown) => {
    assert.ok(e instanceof FormatError, `not a FormatError: ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

void test("a valid hand-written record still reads", async () => {
  const [r] = await readRecords(file(rec(goodRegion)));
  assert.equal(r.snapshots[0].nr, 1);
  assert.equal(r.snapshots[0].samples[0], 3);
});

void test("non-finite numbers are FormatErrors naming snapshot, region and field (not a BigInt crash)", async () => {
  // fails before the validation pass: 1e999 reached pyfmt's BigInt formatting (RangeError)
  await rejects(
    rec(goodRegion.replace('"samples": 3', '"samples": 1e999')),
    /snapshot 0, region 0: 'nr_accesses' is not finite/,
  );
  await rejects(rec(goodRegion.replace('"start": 4096', '"start": "NaN"')), /region 0.*'start'/);
  await rejects(
    rec(goodRegion.replace('"aggr_intervals": 2', '"aggr_intervals": 1e400')),
    /'age' is not finite/,
  );
});

void test("the JSON reader is strict: ':' and ',' are grammar, not whitespace", async () => {
  // fails before the strict grammar: these were read as valid records
  await rejects(rec(goodRegion).replace('"target_id": 0,', '"target_id": 0'), /expected ','/);
  await rejects(rec(goodRegion).replace('"target_id": 0', '"target_id" 0'), /expected ':'/);
  await rejects(rec(goodRegion).replace('"target_id": 0,', '"target_id":: 0,'), /unexpected ':'/);
  await rejects(rec(goodRegion).replace('"regions": [', '"regions": [,'), /unexpected ','/);
  await rejects(rec(goodRegion + ","), /after ','/);
  await rejects(rec(goodRegion.replace("4096", "04096")), /bad number '04096'/);
  await rejects(rec(goodRegion) + "]", /after the end/);
});

void test("negative values, missing or mistyped samples and end < start are FormatErrors", async () => {
  // fails before: printed as if valid
  await rejects(rec(goodRegion.replace('"start": 4096', '"start": -4096')), /'start' is negative/);
  await rejects(rec(goodRegion.replace('"aggr_intervals": 2', '"aggr_intervals": -2')), /'age' is negative/);
  await rejects(
    rec(goodRegion.replace('{"samples": 3}', "{}")),
    /has no 'nr_accesses'|neither 'samples' nor 'percent'/,
  );
  await rejects(
    rec(goodRegion.replace('{"samples": 3}', '{"samples": {"x": 1}}')),
    /'nr_accesses.samples' must be/,
  );
  await rejects(rec(goodRegion.replace('"samples": 3', '"samples": 2.5')), /'nr_accesses' is not an integer/);
  await rejects(rec(goodRegion.replace('"end": 8192', '"end": 10')), /end 10 is below its start 4096/);
  await rejects(rec(goodRegion, ', "total_bytes": -1'), /'total_bytes' is negative/);
  await rejects(`[{"target_id": 0, "snapshots": 5}]`, /'snapshots' must be a list/);
  await rejects(`[{"target_id": 0, "snapshots": ["x"]}]`, /each snapshot must be an object/);
});

void test("addresses above 2^53-1 are refused, not rounded", async () => {
  // fails before: 9007199254740993 printed as ...992, ULONG_MAX as 18446744073709551616
  await rejects(rec(goodRegion.replace('"end": 8192', '"end": 9007199254740993')), /'end' is above 2\^53-1/);
  await rejects(
    rec(goodRegion.replace('"end": 8192', '"end": "18,446,744,073,709,551,615"')),
    /'end' is above 2\^53-1/,
  );
  const perf = file(
    "kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 4096-18446744073709551615: 1 0\n",
  );
  await assert.rejects(readRecords(perf), /above 2\^53-1/);
});

const line = (t: string, tid: number, nr: number, s: number, e: number): string =>
  `kdamond.0 1 [000] ${t}: damon:damon_aggregated: target_id=${tid} nr_regions=${nr} ${s}-${e}: 1 0\n`;

void test("perf script: a snapshot interrupted by another target is a FormatError, not a crash", async () => {
  // fails before: "Cannot read properties of undefined (reading 'start')" in every report
  const f = file(
    line("1.000000", 1, 2, 4096, 8192) +
      line("1.000001", 2, 2, 4096, 8192) +
      line("1.000002", 1, 2, 8192, 9000),
  );
  await assert.rejects(
    readRecords(f),
    (e: unknown) =>
      e instanceof FormatError && /:2: .*target 1 has 1 of its 2 regions/.test((e as Error).message),
  );
});

void test("perf script cut mid-line does not merge two snapshots", async () => {
  const whole = [1, 2, 3]
    .map((k) => line(`${k}.000000`, 0, 2, 4096, 8192) + line(`${k}.000001`, 0, 2, 8192, 12288))
    .join("");
  const [ok] = await readRecords(file(whole));
  assert.equal(ok.snapshots.length, 3);
  // a line lost in the middle (cut, then the rest of the file): fails before, read as 2 snapshots silently
  const lost = whole.split("\n");
  lost.splice(1, 1);
  await assert.rejects(
    readRecords(file(lost.join("\n"))),
    /has 1 of its 2 regions when a new snapshot starts/,
  );
  // a line cut short
  const cut =
    whole.slice(0, whole.indexOf("\n", whole.indexOf("\n") + 1) - 6) +
    "\n" +
    whole.split("\n").slice(2).join("\n");
  await assert.rejects(readRecords(file(cut)), FormatError);
  // the file cut inside the last snapshot
  await assert.rejects(
    readRecords(file(whole.split("\n").slice(0, 5).join("\n") + "\n")),
    /ends inside a snapshot.*1 of its 2 regions/,
  );
});

void test("heatmap resolutions are bounded with the bound named", () => {
  // fails before: 'Invalid typed array length' / out of memory after 91 s
  for (const r of [
    [10000000000000, 12],
    [1, 200000000],
    [0, 5],
  ] as const)
    assert.throws(
      () => checkHeatmapResolution(r),
      (e: unknown) => e instanceof UsageError && /--resol/.test((e as Error).message),
    );
  assert.throws(() => checkHeatmapResolution([1, 200000000]), /at most 16777216/);
  checkHeatmapResolution([500, 500]);
});

function cli(args: string[]): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], { encoding: "utf8" });
  return { code: r.status, err: r.stderr };
}

void test("CLI: bad adjust and --resol values exit 2 with one line", async () => {
  const good = join(dir, "good.data");
  writeRecords(good, [twoSnapshotRecord()], "json_compressed");
  assert.ok(rawFormChunks(await readRecords(good), false));
  // fails before: --aggregate_interval 0 / -5 and --skip NaN were accepted (exit 0)
  for (const args of [
    ["adjust", "-i", good, "-o", join(dir, "o1"), "--aggregate_interval", "0"],
    ["adjust", "-i", good, "-o", join(dir, "o2"), "--aggregate_interval", "-5"],
    ["adjust", "-i", good, "-o", join(dir, "o3"), "--skip", "NaN"],
    ["report", "heatmap", "--output", "raw", "-i", good, "--resol", "1", "200000000"],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
  }
});

void test("percent-only nr_accesses and usec-only ages are converted with the intervals (damo's add_unset_unit)", async () => {
  // fails before: the percent was carried as -1e300 - percent, which is -1e300 (the value was lost: samples 0)
  const text =
    `[{"target_id": 0, "intervals": {"sample_us": 5000, "aggr_us": 100000, "ops_update_us": 1000000}, ` +
    `"snapshots": [{"start_time": 0, "end_time": 100, "regions": [{"start": 4096, "end": 8192, ` +
    `"nr_accesses": {"samples": null, "percent": 50}, "age": {"usec": 300000, "aggr_intervals": null}}]}]}]`;
  const [r] = await readRecords(file(text));
  assert.equal(r.snapshots[0].samples[0], 10); // int(50 * (100 ms / 5 ms) / 100)
  assert.equal(r.snapshots[0].age[0], 3); // int(300 ms / 100 ms)
});
