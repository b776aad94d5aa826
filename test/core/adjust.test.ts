import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyMinNrRegions,
  kdamondMergeRegions,
  kdamondSplitRegions,
  mergeRegionsOf,
  splitRegionsOf,
} from "../../src/core/adjust.js";
import { createContext } from "../../src/core/context.js";
import { Region, Target } from "../../src/core/region.js";
import { Rng } from "../../src/util/rng.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

test("C6 damon_test_merge_regions_of (newest, 9 regions, thres 9, sz_limit 9999)", () => {
  const starts = [0, 100, 114, 122, 130, 156, 170, 184, 230];
  const ends = [100, 112, 122, 130, 156, 170, 184, 230, 10170];
  const nr = [0, 0, 10, 10, 20, 30, 1, 2, 5];
  const t = targetOf(
    starts.map((s, i) => [s, ends[i]] as const),
    { nr },
  );
  mergeRegionsOf(t, 9, 9999);
  assert.deepEqual(rangesOf(t), [
    [0, 112],
    [114, 130],
    [130, 156],
    [156, 170],
    [170, 230],
    [230, 10170],
  ]);
  assert.equal(t.regions[4].nrAccesses, 1); // (1*14 + 2*46) / 60
});

test("C6 classic 8-region variant gives the first five", () => {
  const starts = [0, 100, 114, 122, 130, 156, 170, 184];
  const ends = [100, 112, 122, 130, 156, 170, 184, 230];
  const t = targetOf(
    starts.map((s, i) => [s, ends[i]] as const),
    { nr: [0, 0, 10, 10, 20, 30, 1, 2] },
  );
  mergeRegionsOf(t, 9, 9999);
  assert.deepEqual(rangesOf(t), [
    [0, 112],
    [114, 130],
    [130, 156],
    [156, 170],
    [170, 230],
  ]);
});

test("D12 merge: ages are updated before merging, then averaged", () => {
  const t = targetOf(
    [
      [0, 10],
      [10, 30],
    ],
    { nr: [4, 6], age: [3, 1], last: [4, 0] },
  );
  mergeRegionsOf(t, 2, 100);
  assert.equal(t.nrRegions, 1);
  const r = t.regions[0];
  assert.deepEqual([r.start, r.end, r.nrAccesses, r.age], [0, 30, 5, 1]);
});

test("merge: age resets when frequency goes from or to zero even within threshold", () => {
  const t = targetOf([[0, 10]], { nr: [1], last: [0], age: [7] });
  mergeRegionsOf(t, 5, 100);
  assert.equal(t.regions[0].age, 0);
  const u = targetOf([[0, 10]], { nr: [0], last: [0], age: [7] });
  mergeRegionsOf(u, 5, 100);
  assert.equal(u.regions[0].age, 8);
});

function assertContiguousCover(t: Target, ranges: [number, number][], minSz: number): void {
  // Regions stay sorted and cover each original range exactly, in pieces aligned to minSz.
  let i = 0;
  for (const [s, e] of ranges) {
    let pos = s;
    while (i < t.regions.length && t.regions[i].start < e) {
      const r = t.regions[i];
      assert.equal(r.start, pos);
      assert.ok(r.end > r.start);
      assert.ok(r.end - r.start >= minSz);
      assert.equal((r.start - s) % minSz, 0);
      pos = r.end;
      i++;
    }
    assert.equal(pos, e);
  }
  assert.equal(i, t.regions.length);
}

test("C7 damon_test_split_regions_of (random; many seeds)", () => {
  for (let seed = 0; seed < 200; seed++) {
    const rng = new Rng(seed);
    const a = targetOf([[0, 22]]);
    splitRegionsOf(a, 2, 1, rng);
    assert.ok(a.nrRegions <= 2);
    assertContiguousCover(a, [[0, 22]], 1);
    const b = targetOf([[0, 220]]);
    splitRegionsOf(b, 4, 1, rng);
    assert.ok(b.nrRegions <= 4);
    assertContiguousCover(b, [[0, 220]], 1);
    const ranges: [number, number][] = [
      [0, 220],
      [300, 400],
      [500, 700],
    ];
    const c = targetOf(ranges);
    splitRegionsOf(c, 4, 5, rng);
    assert.ok(c.nrRegions <= 12);
    assertContiguousCover(c, ranges, 5);
  }
});

test("C8 damon_test_split_above_half_progresses (newest; many seeds)", () => {
  for (let seed = 0; seed < 50; seed++) {
    const ctx = createContext({ minRegionSz: 1, seed, attrs: { minNrRegions: 10, maxNrRegions: 1500 } });
    const t = new Target();
    for (let i = 0; i < 760; i++) {
      const r = new Region(i * 100, (i + 1) * 100);
      r.nrAccesses = i % 2 ? 0 : 100;
      r.age = 5;
      t.regions.push(r);
    }
    ctx.targets.push(t);
    kdamondSplitRegions(ctx);
    assert.ok(t.nrRegions > 760, `seed ${seed}: ${t.nrRegions}`);
    assert.ok(t.nrRegions <= 1500);
  }
});

test("C36 damon_test_apply_min_nr_regions", () => {
  const cases = [
    [10, 1, 10, 1, 10],
    [10, 1, 15, 1, 10],
    [10, 2, 2, 6, 2],
    [10, 2, 10, 2, 5],
  ];
  for (const [total, minSz, minNr, expMax, expCount] of cases) {
    const ctx = createContext({ minRegionSz: minSz, attrs: { minNrRegions: Math.max(3, minNr) } });
    ctx.attrs.minNrRegions = minNr; // the kunit test sets it directly, below the validated minimum
    ctx.targets.push(targetOf([[0, total]]));
    const got = applyMinNrRegions(ctx);
    assert.equal(got, expMax, `case ${total},${minSz},${minNr}`);
    assert.equal(ctx.targets[0].nrRegions, expCount);
    assertContiguousCover(ctx.targets[0], [[0, total]], 1);
  }
});

test("kdamond merge escalates the threshold until the count fits max_nr_regions", () => {
  const ctx = createContext({ minRegionSz: 1, attrs: { minNrRegions: 3, maxNrRegions: 10 } });
  const t = new Target();
  for (let i = 0; i < 100; i++) {
    const r = new Region(i * 10, i * 10 + 10);
    r.nrAccesses = i % 20; // neighbours differ, so threshold 0 merges nothing
    t.regions.push(r);
  }
  ctx.targets.push(t);
  kdamondMergeRegions(ctx, 0, 1000);
  assert.ok(t.nrRegions <= 10, `${t.nrRegions}`);
});

test("property: merge and split keep regions sorted, aligned, covering the same bytes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      // size "max": fast-check's default size caps arrays at about 10 whatever maxLength says.
      fc.array(fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 20 })), {
        minLength: 1,
        maxLength: 60,
        size: "max",
      }),
      fc.array(fc.oneof(fc.constant("merge"), fc.constant("split")), { maxLength: 12, size: "max" }),
      fc.integer({ min: 0, max: 20 }),
      (seed, pieces, opsSeq, thres) => {
        const minSz = 4096;
        const rng = new Rng(seed);
        const t = new Target();
        let pos = 0;
        for (const [pages, nr] of pieces) {
          const r = new Region(pos, pos + pages * minSz);
          r.nrAccesses = nr;
          t.regions.push(r);
          pos = r.end;
        }
        const total = pos;
        for (const op of opsSeq) {
          if (op === "merge") mergeRegionsOf(t, thres, total);
          else splitRegionsOf(t, 3, minSz, rng);
          let covered = 0;
          let prevEnd = 0;
          for (const r of t.regions) {
            assert.equal(r.start, prevEnd);
            assert.equal(r.start % minSz, 0);
            assert.equal(r.end % minSz, 0);
            assert.ok(r.end > r.start);
            covered += r.end - r.start;
            prevEnd = r.end;
          }
          assert.equal(covered, total);
        }
      },
    ),
    { numRuns: 300, seed: 4242 },
  );
});
