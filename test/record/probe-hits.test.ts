import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRecords } from "../../src/record/read.js";
import { RecordWriter } from "../../src/record/write.js";
import { probeHitsAsAccesses, regionProbeHits } from "../../src/record/probe-hits.js";
import type { RegionInput } from "../../src/record/model.js";
import { tempDir } from "../helpers/temp.js";

const dir = tempDir("probe-hits-");

function regions(seed: number, withHits: boolean): RegionInput[] {
  return Array.from({ length: 5 }, (_, i) => ({
    start: 4096 * 10 * i,
    end: 4096 * 10 * (i + 1),
    nrAccesses: (i * 7 + seed) % 21,
    age: i + seed,
    ...(withHits ? { probeHits: [(i * 37 + seed) % 256, (i * 11) % 21] } : {}),
  }));
}

async function roundTrip(
  format: "json" | "json_compressed" | "perf_script",
  indent: 0 | 4,
  withHits: boolean,
) {
  const path = join(dir, `r-${format}-${indent}-${withHits}`);
  const w = new RecordWriter(path, { format, indent, targetId: "0", intervals: null });
  for (let s = 0; s < 3; s++)
    w.addSnapshot({ startNs: s * 1e8, endNs: (s + 1) * 1e8, regions: regions(s, withHits) });
  w.close();
  return { path, records: await readRecords(path) };
}

test("probe_hits round-trip through json (both layouts), json_compressed and perf_script", async () => {
  for (const [format, indent] of [
    ["json", 4],
    ["json", 0],
    ["json_compressed", 0],
    ["perf_script", 0],
  ] as const) {
    const { records } = await roundTrip(format, indent, true);
    assert.equal(records[0].snapshots.length, 3, format);
    records[0].snapshots.forEach((snap, s) => {
      const want = regions(s, true);
      for (let i = 0; i < snap.nr; i++)
        assert.deepEqual(
          regionProbeHits(snap, i),
          want[i].probeHits,
          `${format}/${indent} snapshot ${s} region ${i}`,
        );
    });
  }
});

test("records without probes carry no probe_hits key and read back without columns", async () => {
  for (const format of ["json", "perf_script"] as const) {
    const { path, records } = await roundTrip(format, 4, false);
    assert.ok(!readFileSync(path, "utf8").includes("probe_hits"), format);
    assert.equal(records[0].snapshots[0].probeHits, undefined);
  }
});

test("json: probe_hits sits between age and sz_filter_passed, as damo 3.3's DamonRegion.to_kvpairs", async () => {
  const { path } = await roundTrip("json", 4, true);
  const text = readFileSync(path, "utf8");
  assert.match(text, /"age": \{[^}]*\},\n\s+"probe_hits": \[\n\s+0,\n\s+0\n\s+\],\n\s+"sz_filter_passed"/);
});

test("perf script: damon_region_aggregated lines alone are regions with probe hits; bad hex is an error", async () => {
  const path = join(dir, "region-aggregated.txt");
  const line = (end: number, s: number, e: number, acc: number, hits: string) =>
    `kdamond.0  4452 [000] ${end}: damon:damon_region_aggregated: target_id=0 nr_regions=2 ${s}-${e}: ${acc} 3 probe_hits=${hits}`;
  writeFileSync(
    path,
    [
      line(1.1, 0, 4096, 5, "14 00"),
      line(1.1, 4096, 8192, 0, "ff 0a"),
      line(1.2, 0, 4096, 6, "01 02"),
      line(1.2, 4096, 8192, 1, "03 04"),
    ].join("\n") + "\n",
  );
  const [rec] = await readRecords(path);
  assert.equal(rec.snapshots.length, 2);
  assert.deepEqual(regionProbeHits(rec.snapshots[0], 0), [20, 0]);
  assert.deepEqual(regionProbeHits(rec.snapshots[0], 1), [255, 10]);
  assert.equal(rec.snapshots[1].samples[0], 6);
  writeFileSync(path, line(1.1, 0, 4096, 5, "1g") + "\n");
  await assert.rejects(readRecords(path), /malformed probe hit '1g'/);
});

test("json: a probe_hits value that is not a list of integers is named in the error", async () => {
  const { path } = await roundTrip("json", 4, true);
  writeFileSync(path, readFileSync(path, "utf8").replace(/"probe_hits": \[[^\]]*\]/, '"probe_hits": "x"'));
  await assert.rejects(readRecords(path), /'probe_hits' must be a list of integers/);
});

test("probeHitsAsAccesses: probe N's hits replace nr_accesses (0 where absent); a missing probe is an input error", async () => {
  const { records } = await roundTrip("json", 0, true);
  const view = probeHitsAsAccesses(records, 1);
  view[0].snapshots.forEach((snap, s) => {
    const want = regions(s, true);
    for (let i = 0; i < snap.nr; i++) assert.equal(snap.samples[i], want[i].probeHits![1]);
  });
  assert.equal(records[0].snapshots[0].samples[1], regions(0, true)[1].nrAccesses, "input untouched");
  assert.throws(() => probeHitsAsAccesses(records, 2), /no probe 2: the record has probes 0\.\.1/);
  const plain = (await roundTrip("json", 0, false)).records;
  assert.throws(() => probeHitsAsAccesses(plain, 0), /has no probe hits/);
});
