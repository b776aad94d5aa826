import { test } from "node:test";
import assert from "node:assert/strict";
import { filterRecords } from "../../src/record/filter.js";
import { makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { recordOf } from "../helpers/records.js";

function rec(): DamonRecord {
  return recordOf(
    [0, 1, 2].map((k) =>
      makeSnapshot(k * 100e6, (k + 1) * 100e6, [
        { start: 0, end: 4096, nrAccesses: 20, age: 0 },
        { start: 4096, end: 3 * 4096, nrAccesses: 0, age: 30 },
      ]),
    ),
  );
}

void test("access pattern filters keep matching regions; the input is unchanged", () => {
  const r = rec();
  const hot = filterRecords([r], { accessRate: [50, 100] })[0];
  assert.deepEqual([...hot.snapshots[0].start], [0]);
  const old = filterRecords([r], { ageUs: [2e6, 10e6] })[0];
  assert.deepEqual([...old.snapshots[1].start], [4096]);
  const big = filterRecords([r], { szRegion: [8192, 8192] })[0];
  assert.deepEqual([...big.snapshots[2].end], [3 * 4096]);
  assert.equal(r.snapshots[0].nr, 2);
});

void test("address ranges clip regions; snapshot index and time ranges select snapshots", () => {
  const r = rec();
  const clipped = filterRecords([r], { addressRanges: [[2048, 6000]] })[0].snapshots[0];
  assert.deepEqual([...clipped.start], [2048, 4096]);
  assert.deepEqual([...clipped.end], [4096, 6000]);
  assert.equal(clipped.totalBytes, null);
  assert.equal(filterRecords([r], { snapshotIdx: [[1, 2]] })[0].snapshots.length, 2);
  assert.equal(filterRecords([r], { snapshotTime: [[100e6, 200e6]] })[0].snapshots.length, 1);
  assert.equal(filterRecords([r], { snapshotSz: [[0, 4096]] })[0].snapshots.length, 0);
});
