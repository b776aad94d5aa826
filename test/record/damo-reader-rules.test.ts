/**
 * A json_compressed record written by damon-ts follows the rules damo's reader
 * relies on (formats.md §2.1-2.3): zlib without gzip header, a JSON list of
 * records with damo's keys in damo's order, and values in the string forms damo
 * parses (comma-grouped addresses, digit-string times, `age` with both sub-keys).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { inflateSync } from "node:zlib";
import { RecordWriter } from "../../src/record/write.js";
import { synthSnapshots } from "./helpers.js";

const GROUPED = /^\d{1,3}(,\d{3})*$/;
const DIGITS = /^\d+$/;
const SIZE = /^(\d+ B|\d+\.\d{3} (KiB|MiB|GiB|TiB|PiB|EiB))$/;

function keys(o: object): string[] {
  return Object.keys(o);
}

for (const indent of [0, 4] as const)
  void test(`json_compressed output obeys damo's reader rules (indent ${indent})`, () => {
    const dir = mkdtempSync(join(tmpdir(), "damon-ts-rules-"));
    try {
      const path = join(dir, "damon.data");
      const w = new RecordWriter(path, {
        kdamondIdx: 0,
        contextIdx: 0,
        targetId: 0,
        intervals: { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000 },
        indent,
      });
      for (const s of synthSnapshots(5, 4, 30)) w.addSnapshot({ ...s, damosStats: null });
      w.close();
      const bytes = readFileSync(path);
      // zlib.compress output: CMF 0x78, header checksum, no gzip magic
      assert.equal(bytes[0], 0x78);
      assert.equal(((bytes[0] << 8) | bytes[1]) % 31, 0);
      const text = inflateSync(bytes).toString("utf8");
      // json.dumps(indent=4) layout, or separators=(',', ':')
      assert.match(
        text,
        indent ? /^\[\n {4}\{\n {8}"kdamond_idx": 0,/ : /^\[\{"kdamond_idx":0,"context_idx":0,/,
      );
      const data = JSON.parse(text) as Record<string, unknown>[];
      assert.ok(Array.isArray(data) && data.length === 1);
      const rec = data[0];
      assert.deepEqual(keys(rec), [
        "kdamond_idx",
        "context_idx",
        "intervals",
        "scheme_idx",
        "target_id",
        "scheme_filters",
        "snapshots",
      ]);
      assert.equal(rec.target_id, 0);
      const iv = rec.intervals as Record<string, unknown>;
      assert.deepEqual(keys(iv), ["sample_us", "aggr_us", "ops_update_us", "intervals_goal"]);
      for (const k of ["sample_us", "aggr_us", "ops_update_us"]) assert.match(iv[k] as string, DIGITS);
      assert.deepEqual(keys(iv.intervals_goal as object), [
        "access_bp",
        "aggrs",
        "min_sample_us",
        "max_sample_us",
      ]);
      const snaps = rec.snapshots as Record<string, unknown>[];
      assert.equal(snaps.length, 4);
      for (const s of snaps) {
        assert.deepEqual(keys(s), ["start_time", "end_time", "regions", "total_bytes", "damos_stats"]);
        assert.match(s.start_time as string, DIGITS);
        assert.match(s.end_time as string, DIGITS);
        assert.match(s.total_bytes as string, DIGITS);
        const regions = s.regions as Record<string, Record<string, unknown>>[];
        assert.equal(regions.length, 30);
        let total = 0;
        for (const r of regions) {
          assert.deepEqual(keys(r), ["start", "end", "nr_accesses", "age", "sz_filter_passed"]);
          assert.match(r.start as unknown as string, GROUPED);
          assert.match(r.end as unknown as string, GROUPED);
          assert.deepEqual(keys(r.nr_accesses), ["samples", "percent"]);
          assert.ok(Number.isInteger(r.nr_accesses.samples));
          assert.equal(r.nr_accesses.percent, null);
          // damo raises KeyError without 'age' and both of its keys
          assert.deepEqual(keys(r.age), ["usec", "aggr_intervals"]);
          assert.match(r.age.aggr_intervals as string, GROUPED);
          assert.match(r.sz_filter_passed as unknown as string, SIZE);
          const num = (x: unknown): number => Number((x as string).replace(/,/g, ""));
          assert.ok(num(r.start) < num(r.end));
          total += num(r.end) - num(r.start);
        }
        assert.equal(Number(s.total_bytes), total);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
