/**
 * adjust (damo's aggregate_snapshots/add_region): the iterative, indexed merge must
 * give exactly what damo's recursive algorithm gives, on any shape, and stay fast
 * and stack-safe on big and lopsided records (issue 20).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateSnapshots, adjustRecords } from "../../src/record/adjust.js";
import { makeSnapshot, type RegionInput, type Snapshot } from "../../src/record/model.js";
import { Rng } from "../../src/util/rng.js";
import { recordOf } from "../helpers/records.js";

interface R {
  start: number;
  end: number;
  samples: number;
  age: number;
  szf: number;
}

/** A literal port of damo 3.3's add_region/aggregate_snapshots (recursive, quadratic): the reference. */
function referenceAggregate(snaps: readonly Snapshot[]): R[] {
  const szfFor = (r: R, n: number): number =>
    Number.isNaN(r.szf) ? NaN : Math.trunc((r.szf / (r.end - r.start)) * n);
  const add = (regions: R[], region: R, toAdd: Map<R, number>): void => {
    for (const r of regions) {
      if (r.end <= region.start || region.end <= r.start) continue;
      toAdd.set(r, Math.max(toAdd.get(r) ?? 0, region.samples));
      const parts: R[] = [];
      if (region.start < r.start)
        parts.push({ ...region, end: r.start, szf: szfFor(region, r.start - region.start) });
      if (r.end < region.end)
        parts.push({ ...region, start: r.end, szf: szfFor(region, region.end - r.end) });
      for (const p of parts) add(regions, p, toAdd);
      return;
    }
    regions.push(region);
  };
  const merged: R[] = [];
  for (const s of snaps) {
    const toAdd = new Map<R, number>();
    for (let i = 0; i < s.nr; i++)
      add(
        merged,
        { start: s.start[i], end: s.end[i], samples: s.samples[i], age: s.age[i], szf: s.szFilterPassed[i] },
        toAdd,
      );
    for (const [r, v] of toAdd) r.samples += v;
  }
  return merged;
}

function regionsOf(s: Snapshot): R[] {
  const out: R[] = [];
  for (let i = 0; i < s.nr; i++)
    out.push({
      start: s.start[i],
      end: s.end[i],
      samples: s.samples[i],
      age: s.age[i],
      szf: s.szFilterPassed[i],
    });
  return out;
}

/** Random snapshots: tiled address ranges with random cuts, sometimes overlapping, empty or shuffled. */
function randomSnapshots(rng: Rng, n: number, weird: boolean): Snapshot[] {
  const out: Snapshot[] = [];
  for (let k = 0; k < n; k++) {
    const regions: RegionInput[] = [];
    let addr = rng.randRange(0, 8) * 4096;
    const nr = rng.randRange(1, 30);
    for (let i = 0; i < nr; i++) {
      const size = 4096 * rng.randRange(weird ? 0 : 1, 12);
      const start = weird && rng.randRange(0, 6) === 0 ? addr - 4096 * rng.randRange(0, 4) : addr;
      regions.push({
        start: Math.max(0, start),
        end: Math.max(0, start) + size,
        nrAccesses: rng.randRange(0, 20),
        age: rng.randRange(0, 9),
        szFilterPassed: rng.randRange(0, 3) === 0 ? null : rng.randRange(0, size + 1),
      });
      addr = Math.max(addr, start + size) + (rng.randRange(0, 4) === 0 ? 4096 * rng.randRange(1, 5) : 0);
    }
    if (weird && rng.randRange(0, 2) === 0)
      for (let i = regions.length - 1; i > 0; i--) {
        const j = rng.randRange(0, i + 1);
        [regions[i], regions[j]] = [regions[j], regions[i]];
      }
    out.push(makeSnapshot(k * 100e6, (k + 1) * 100e6, regions));
  }
  return out;
}

void test("aggregateSnapshots equals damo's recursive add_region on random shapes (seeds 1-400)", () => {
  for (let seed = 1; seed <= 400; seed++) {
    const rng = new Rng(seed);
    const snaps = randomSnapshots(rng, rng.randRange(2, 6), seed % 2 === 0);
    const got = regionsOf(aggregateSnapshots(snaps));
    assert.deepEqual(got, referenceAggregate(snaps), `seed ${seed}`);
  }
});

void test("one region covering 20,000 regions of the first snapshot: no stack overflow, damo's result", () => {
  // fails before the iterative merge: the recursive addRegion overflowed the stack (RangeError)
  const first: RegionInput[] = [];
  for (let i = 0; i < 20_000; i++)
    first.push({
      start: 4096 + i * 8192,
      end: 4096 + i * 8192 + 4096,
      nrAccesses: i % 7,
      age: 1,
      szFilterPassed: 2048,
    });
  const second: RegionInput[] = [
    { start: 0, end: 4096 + 20_000 * 8192, nrAccesses: 5, age: 0, szFilterPassed: 8192 },
  ];
  const snaps = [makeSnapshot(0, 100e6, first), makeSnapshot(100e6, 200e6, second)];
  const got = aggregateSnapshots(snaps);
  assert.equal(got.nr, 40_001); // 20,000 regions, the 19,999 gaps between them and one each side
  // every covered region got the max (5) added; the gaps follow in address order
  assert.equal(got.samples[0], 0 + 5);
  assert.equal(got.start[20_000], 0);
  assert.equal(got.end[20_000], 4096);
  assert.equal(got.start[40_000], 4096 + 19_999 * 8192 + 4096);
  const small = [
    makeSnapshot(0, 1, first.slice(0, 300)),
    makeSnapshot(1, 2, [{ ...second[0], end: 4096 + 300 * 8192 }]),
  ];
  assert.deepEqual(regionsOf(aggregateSnapshots(small)), referenceAggregate(small));
});

void test("adjust on 25 snapshots x 100k regions finishes (was quadratic)", { timeout: 120_000 }, () => {
  // fails before the indexed merge: every added region rescanned the merged list (> 300 s)
  const rng = new Rng(7);
  const snaps: Snapshot[] = [];
  for (let k = 0; k < 25; k++) {
    const regions: RegionInput[] = [];
    let addr = 0x7f00_0000_0000;
    for (let i = 0; i < 100_000; i++) {
      const size = 4096 * rng.randRange(1, 4);
      regions.push({ start: addr, end: addr + size, nrAccesses: rng.randRange(0, 20), age: 0 });
      addr += size;
    }
    snaps.push(makeSnapshot(k * 100e6, (k + 1) * 100e6, regions));
  }
  const rec = recordOf(snaps);
  adjustRecords([rec], 1_000_000, 0);
  assert.equal(rec.snapshots.length, 2);
  assert.ok(rec.snapshots[0].nr >= 100_000);
});
