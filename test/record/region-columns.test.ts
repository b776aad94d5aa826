/**
 * RegionColumns (src/record/region-columns.ts) hands out snapshots' rows as views
 * of shared blocks instead of copies. Whatever the order of pushes, snapshots given
 * up half way and blocks filling up, every snapshot taken must keep
 * exactly the rows pushed for it, however many rows come after.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RegionColumns, type SnapshotColumns } from "../../src/record/region-columns.js";
import { Rng } from "../../src/util/rng.js";

/** A row's five values, distinct per snapshot and row. */
function row(snap: number, k: number): number[] {
  const x = snap * 100000 + k;
  return [x, x + 0.25, x + 0.5, x + 0.75, -x];
}

function rowsOf(c: SnapshotColumns): number[][] {
  return Array.from(c.start, (_, k) => [c.start[k], c.end[k], c.samples[k], c.age[k], c.szFilterPassed[k]]);
}

/** Splits a detached view into the snapshots kept since the last detach ([snapshot, rows] pairs). */
function split(c: SnapshotColumns, kept: number[], into: { snap: number; c: SnapshotColumns }[]): void {
  let o = 0;
  for (let i = 0; i < kept.length; i += 2) {
    const v = (a: Float64Array): Float64Array => a.subarray(o, o + kept[i + 1]);
    into.push({
      snap: kept[i],
      c: {
        start: v(c.start),
        end: v(c.end),
        samples: v(c.samples),
        age: v(c.age),
        szFilterPassed: v(c.szFilterPassed),
      },
    });
    o += kept[i + 1];
  }
  assert.equal(o, c.start.length);
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`taken and detached rows stay as pushed (seed ${seed})`, () => {
    const rng = new Rng(seed);
    // small blocks, so that snapshots spill over block ends and outgrow them
    const cols = new RegionColumns(rng.randRange(1, 64));
    const taken: { snap: number; c: SnapshotColumns }[] = [];
    /** Snapshots kept since the last detach (the worker's way: keep each, then detach a slot's). */
    let kept: number[] = [];
    for (let snap = 0; snap < 300; snap++) {
      const n = rng.randRange(0, rng.randRange(0, 4) === 0 ? 200 : 20);
      // a snapshot read half way and given up first (a mismatch): its rows must not count
      if (rng.randRange(0, 3) === 0) {
        const junk = rng.randRange(0, 2 * n + 1);
        for (let k = 0; k < junk; k++) cols.push(k, -1, -1, -1, -1, -1);
      }
      for (let k = 0; k < n; k++) {
        const [a, b, c, d, e] = row(snap, k);
        cols.push(k, a, b, c, d, e);
      }
      // a snapshot taken at once, or several kept and detached together
      if (kept.length === 0 && rng.randRange(0, 2) === 0) taken.push({ snap, c: cols.take(n) });
      else {
        cols.keep(n);
        kept.push(snap, n);
        if (rng.randRange(0, 3) === 0) {
          split(cols.detach(), kept, taken);
          kept = [];
        }
      }
    }
    split(cols.detach(), kept, taken);
    assert.equal(taken.length, 300);
    for (const { snap, c } of taken)
      rowsOf(c).forEach((r, k) => assert.deepEqual(r, row(snap, k), `snapshot ${snap} row ${k}`));
  });
}
