/** Bad record files give one FormatError naming the file and the place. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { deflateSync, gzipSync } from "node:zlib";
import { readRecords } from "../../src/record/read.js";
import { FormatError } from "../../src/util/errors.js";

const good = {
  kdamond_idx: 0,
  context_idx: 0,
  intervals: { sample_us: "5000", aggr_us: "100000", ops_update_us: "1000000" },
  scheme_idx: null,
  target_id: 0,
  snapshots: [
    {
      start_time: "0",
      end_time: "100000000",
      regions: [
        {
          start: "4,096",
          end: "8,192",
          nr_accesses: { samples: 1, percent: null },
          age: { usec: null, aggr_intervals: "0" },
        },
        {
          start: "8,192",
          end: "12,288",
          nr_accesses: { samples: 2, percent: null },
          age: { usec: null, aggr_intervals: "1" },
        },
      ],
    },
  ],
};

async function expectFormatError(content: string | Buffer, re: RegExp): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-err-"));
  try {
    const path = join(dir, "bad.data");
    writeFileSync(path, content);
    await assert.rejects(readRecords(path), (e: unknown) => {
      assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
      assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
      assert.match(e.message, re);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void test("valid minimal JSON and the formats.md smaller example both read", async () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-ok-"));
  try {
    const p1 = join(dir, "a");
    writeFileSync(p1, JSON.stringify([good]));
    assert.equal((await readRecords(p1))[0].snapshots[0].nr, 2);
    const p2 = join(dir, "b");
    writeFileSync(
      p2,
      deflateSync(
        '[{"target_id":0,"snapshots":[{"start_time":"100 ms","end_time":100000000,"regions":[{"start":"4 KiB","end":"8,192","nr_accesses":{"samples":3},"age":{"usec":null,"aggr_intervals":2}}]}]}]',
      ),
    );
    const p3 = join(dir, "c");
    writeFileSync(p3, gzipSync(JSON.stringify([good])));
    assert.equal((await readRecords(p3))[0].snapshots[0].nr, 2);
    const p4 = join(dir, "d");
    writeFileSync(p4, "\ufeff" + JSON.stringify([good]));
    assert.equal((await readRecords(p4))[0].snapshots[0].nr, 2);
    const [r] = await readRecords(p2);
    assert.equal(r.snapshots[0].startNs, 100e6);
    assert.equal(r.snapshots[0].start[0], 4096);
    assert.equal(r.snapshots[0].age[0], 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("truncated zlib data", async () => {
  const z = deflateSync(JSON.stringify([good]));
  await expectFormatError(z.subarray(0, z.length - 20), /corrupt or truncated|truncated/);
});

void test("corrupt zlib data", async () => {
  const z = Buffer.from(deflateSync(JSON.stringify([good])));
  for (let i = 10; i < 30; i++) z[i] ^= 0x5a;
  await expectFormatError(z, /corrupt|truncated|JSON/);
});

void test("truncated JSON text", async () => {
  const t = JSON.stringify([good]);
  await expectFormatError(t.slice(0, t.length - 30), /truncated/);
});

void test("wrong-typed region field names the snapshot and region", async () => {
  const bad = structuredClone(good);
  (bad.snapshots[0].regions[1] as Record<string, unknown>).start = true;
  await expectFormatError(JSON.stringify([bad]), /snapshot 0, region 1: 'start'/);
});

void test("missing age (damo's KeyError) is reported", async () => {
  const bad = structuredClone(good);
  delete (bad.snapshots[0].regions[0] as Record<string, unknown>).age;
  await expectFormatError(JSON.stringify([bad]), /region 0: region has no 'age'/);
});

void test("a JSON object instead of a list", async () => {
  await expectFormatError(JSON.stringify(good), /expected a list of records/);
});

void test("text that is not a perf script", async () => {
  await expectFormatError("hello\nworld\n", /no damon:damon_aggregated/);
});

void test("perf script with a malformed field names the line", async () => {
  await expectFormatError(
    "kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=1 nr_regions=1 10-x: 0 0\n",
    /bad\.data:1: malformed/,
  );
});

void test("wrong-typed snapshot field names the snapshot (in every reading path)", async () => {
  const bad = structuredClone(good);
  const second = structuredClone(bad.snapshots[0]);
  (second as Record<string, unknown>).start_time = true;
  bad.snapshots.push(second, structuredClone(bad.snapshots[0]));
  await expectFormatError(JSON.stringify([bad]), /snapshot 1: 'start_time'/);
  await expectFormatError(JSON.stringify([bad], null, 4), /snapshot 1: 'start_time'/);
});

void test("damo's old binary record format is named and refused", async () => {
  // damo 2.0's layout: magic, int32 version, then int64 sec/nsec and binary regions
  const old = Buffer.concat([
    Buffer.from("damon_recfmt_ver", "latin1"),
    Buffer.from([2, 0, 0, 0, 1, 0, 0, 0]),
  ]);
  await expectFormatError(old, /old binary record format \(damon_recfmt_ver.*not supported/);
});
