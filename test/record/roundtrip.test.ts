/**
 * A record written by damon-ts and read back gives identical reports, in every
 * format (perf_script keeps what the format can hold: no intervals, µs times).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { RecordSetWriter, RecordWriter } from "../../src/record/write.js";
import { readRecords, detectRecordFormat } from "../../src/record/read.js";
import { makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { rawFormChunks } from "../../src/report/raw-form.js";
import { ACCESS_DEFAULTS, accessReport } from "../../src/report/access.js";
import { WSS_DEFAULTS, wssReport } from "../../src/report/wss.js";
import { heatmapGrid, planHeatmap, rawHeatmapLines, selectRecords } from "../../src/report/heatmap.js";
import { synthSnapshots } from "./helpers.js";

const join2 = (it: Iterable<string>): string => [...it].join("");
const intervals = { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000 };

function inMemory(seed: number, n: number, r: number): DamonRecord {
  return {
    kdamondIdx: 0,
    contextIdx: 0,
    intervals: { ...intervals, goal: null },
    schemeIdx: null,
    targetId: "0",
    schemeFilters: [],
    snapshots: synthSnapshots(seed, n, r).map((s) => makeSnapshot(s.startNs, s.endNs, s.regions)),
    dataSource: null,
  };
}

function reports(recs: DamonRecord[]): string[] {
  const plan = planHeatmap(recs, {}, null, null, "hottest");
  const grid = heatmapGrid(selectRecords(recs, plan.selection), plan.timeRange, plan.addrRanges[0], [20, 30]);
  return [
    join2(rawFormChunks(recs, false)),
    accessReport(recs, { ...ACCESS_DEFAULTS, style: "temperature-percentiles" }),
    accessReport(recs, ACCESS_DEFAULTS),
    wssReport(recs, { ...WSS_DEFAULTS, excludeSamples: 2 }),
    join2(rawHeatmapLines(grid, false, false)),
  ];
}

for (const seed of [1, 2, 3]) {
  for (const format of ["json_compressed", "json"] as const) {
    void test(`${format} round trip gives identical reports (seed ${seed})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "damon-ts-rt-"));
      try {
        const path = join(dir, "rec.data");
        const orig = inMemory(seed, 12, 40);
        const w = new RecordWriter(path, { format, kdamondIdx: 0, contextIdx: 0, targetId: 0, intervals });
        for (const s of orig.snapshots) w.addSnapshot(s);
        // nothing visible under the final name until close()
        assert.deepEqual(
          readdirSync(dir).filter((f) => f === "rec.data"),
          [],
        );
        w.close();
        assert.equal(detectRecordFormat(path), format);
        const back = await readRecords(path);
        assert.equal(back.length, 1);
        assert.deepEqual(reports(back), reports([orig]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

void test("perf_script round trip keeps regions, ages and µs end times", async () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-rt-"));
  try {
    const path = join(dir, "rec.txt");
    const orig = inMemory(9, 6, 10);
    const w = new RecordWriter(path, { format: "perf_script", targetId: "18446623438842320000", intervals });
    for (const s of orig.snapshots) w.addSnapshot(s);
    w.close();
    assert.equal(detectRecordFormat(path), "perf_script");
    const [back] = await readRecords(path);
    assert.equal(back.targetId, "18446623438842320000");
    assert.equal(back.intervals, null);
    assert.equal(back.snapshots.length, orig.snapshots.length);
    back.snapshots.forEach((s, i) => {
      const o = orig.snapshots[i];
      assert.deepEqual([...s.start], [...o.start]);
      assert.deepEqual([...s.samples], [...o.samples]);
      assert.deepEqual([...s.age], [...o.age]);
      assert.ok(Math.abs(s.endNs - o.endNs) < 1000);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("a single-snapshot perf_script record keeps its start time (fake follower snapshot)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-rt-"));
  try {
    const path = join(dir, "one.txt");
    const w = new RecordWriter(path, { format: "perf_script" });
    w.addSnapshot({
      startNs: 5e9,
      endNs: 5.1e9,
      regions: [{ start: 4096, end: 8192, nrAccesses: 3, age: 2 }],
    });
    w.close();
    const [back] = await readRecords(path);
    assert.equal(back.snapshots.length, 1);
    assert.ok(Math.abs(back.snapshots[0].startNs - 5e9) < 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("abort() leaves no file behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-rt-"));
  try {
    const w = new RecordWriter(join(dir, "x.data"));
    w.addSnapshot({ startNs: 0, endNs: 1e8, regions: [{ start: 0, end: 4096, nrAccesses: 1, age: 0 }] });
    w.abort();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("RecordSetWriter: interleaved targets come out as separate records, in every format", async () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-rt-"));
  try {
    const a = inMemory(21, 5, 8);
    const b = { ...inMemory(22, 5, 6), targetId: "7" };
    for (const format of ["json_compressed", "json", "perf_script"] as const) {
      const path = join(dir, `set.${format}`);
      const w = new RecordSetWriter(path, { format });
      const ia = w.addRecord({ kdamondIdx: 0, contextIdx: 0, targetId: 0, intervals });
      const ib = w.addRecord({ kdamondIdx: 0, contextIdx: 0, targetId: 7, intervals });
      for (let i = 0; i < 5; i++) {
        w.addSnapshot(ia, a.snapshots[i]);
        w.addSnapshot(ib, b.snapshots[i]);
      }
      w.close();
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.includes("tmp")),
        [],
      );
      const back = await readRecords(path);
      assert.deepEqual(
        back.map((r) => r.targetId),
        ["0", "7"],
      );
      if (format !== "perf_script") assert.deepEqual(reports(back.slice(1)), reports([b]));
      assert.deepEqual([...back[1].snapshots[4].start], [...b.snapshots[4].start]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
