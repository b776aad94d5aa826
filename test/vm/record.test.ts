import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleKdamonds } from "../../src/config/kdamonds.js";
import { readRecords } from "../../src/record/read.js";
import { writeVmRecord } from "../../src/vm/record.js";
import { parseAggregatedTrace } from "../../src/vm/trace-parse.js";

const trace = [
  "kdamond.0-87 [000] ..... 5.100000: damon_aggregated: target_id=0 nr_regions=2 4096-12288: 3 1",
  "kdamond.0-87 [000] ..... 5.100001: damon_aggregated: target_id=0 nr_regions=2 12288-40960: 0 7",
  "kdamond.0-87 [000] ..... 5.230000: damon_aggregated: target_id=0 nr_regions=1 4096-40960: 20 0",
].join("\n");

void test("the guest's snapshots become a damo record that the records layer reads back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vm-record-"));
  try {
    const { snapshots } = parseAggregatedTrace(trace, 100_000);
    const cfg = simpleKdamonds({ targetPid: 0, sampleUs: 10_000, aggrUs: 200_000 });
    for (const format of ["json_compressed", "json"] as const) {
      const path = join(dir, `r.${format}`);
      writeVmRecord(path, snapshots, cfg, format);
      const [rec] = await readRecords(path);
      assert.equal(rec.intervals?.sampleUs, 10_000);
      assert.equal(rec.intervals?.aggrUs, 200_000);
      assert.equal(rec.snapshots.length, 2);
      const s0 = rec.snapshots[0];
      assert.deepEqual([s0.startNs, s0.endNs], [5_000_000_000, 5_100_001_000]);
      assert.deepEqual([...s0.start], [4096, 12288]);
      assert.deepEqual([...s0.end], [12288, 40960]);
      assert.deepEqual([...s0.samples], [3, 0]);
      assert.equal(rec.snapshots[1].samples[0], 20);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
