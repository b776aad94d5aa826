import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Region,
  Target,
  addRegion,
  commitTargetRegions,
  destroyRegion,
  isLastRegion,
  mergeTwoRegions,
  newRegion,
  setRegions,
  splitRegionAt,
} from "../../src/core/region.js";
import { createContext } from "../../src/core/context.js";
import { commitContext } from "../../src/core/commit.js";
import { resetAggregated } from "../../src/core/kdamond.js";
import { DamonInvalidError } from "../../src/util/errors.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

test("C1 damon_test_regions: new region, add and destroy", () => {
  const r = newRegion(1, 2);
  assert.equal(r.start, 1);
  assert.equal(r.end, 2);
  assert.equal(r.nrAccesses, 0);
  const t = new Target();
  assert.equal(t.nrRegions, 0);
  addRegion(t, r);
  assert.equal(t.nrRegions, 1);
  destroyRegion(t, r);
  assert.equal(t.nrRegions, 0);
});

test("C3 damon_test_aggregate: reset zeroes nr_accesses and keeps them as last", () => {
  const starts = [
    [10, 20, 30],
    [5, 42, 49],
    [13, 33, 55],
  ];
  const ends = [
    [15, 27, 40],
    [31, 45, 55],
    [23, 44, 66],
  ];
  const nrs = [
    [42, 95, 84],
    [10, 20, 30],
    [0, 1, 2],
  ];
  const ctx = createContext({ minRegionSz: 1 });
  for (let i = 0; i < 3; i++) {
    ctx.targets.push(
      targetOf(
        starts[i].map((s, j) => [s, ends[i][j]] as const),
        { nr: nrs[i] },
      ),
    );
  }
  resetAggregated(ctx);
  assert.equal(ctx.targets.length, 3);
  ctx.targets.forEach((t, i) => {
    assert.equal(t.nrRegions, 3);
    t.regions.forEach((r, j) => {
      assert.equal(r.nrAccesses, 0);
      assert.equal(r.lastNrAccesses, nrs[i][j]);
    });
  });
});

test("C4 damon_test_split_at: both parts carry the counters", () => {
  const t = new Target();
  const r = new Region(0, 100);
  r.nrAccesses = 42;
  r.lastNrAccesses = 15;
  r.age = 10;
  addRegion(t, r);
  splitRegionAt(t, r, 25);
  assert.deepEqual(rangesOf(t), [
    [0, 25],
    [25, 100],
  ]);
  for (const x of t.regions) {
    assert.equal(x.nrAccesses, 42);
    assert.equal(x.lastNrAccesses, 15);
    assert.equal(x.age, 10);
  }
  assert.throws(() => splitRegionAt(t, t.regions[0], 25), RangeError);
});

test("C5 damon_test_merge_two: size-weighted counters", () => {
  const t = targetOf(
    [
      [0, 100],
      [100, 300],
    ],
    { nr: [10, 20], age: [9, 21] },
  );
  mergeTwoRegions(t, t.regions[0], t.regions[1]);
  assert.equal(t.nrRegions, 1);
  const r = t.regions[0];
  assert.deepEqual([r.start, r.end, r.nrAccesses, r.age], [0, 300, 16, 17]);
});

test("C10 damon_test_set_regions: the eight kernel cases", () => {
  const cases: {
    old: [number, number][];
    ranges: [number, number][];
    min?: number;
    expect: [number, number][] | "EINVAL";
  }[] = [
    {
      old: [],
      ranges: [
        [5, 15],
        [15, 25],
      ],
      expect: [
        [5, 15],
        [15, 25],
      ],
    },
    {
      old: [
        [4, 16],
        [24, 32],
      ],
      ranges: [[18, 23]],
      expect: [[18, 23]],
    },
    {
      old: [
        [4, 16],
        [24, 32],
      ],
      ranges: [[8, 28]],
      expect: [
        [8, 16],
        [16, 24],
        [24, 28],
      ],
    },
    {
      old: [
        [0, 4],
        [4, 17],
      ],
      ranges: [
        [0, 15],
        [25, 40],
      ],
      expect: [
        [0, 4],
        [4, 15],
        [25, 40],
      ],
    },
    {
      old: [
        [0, 4],
        [42, 52],
      ],
      ranges: [
        [0, 15],
        [25, 40],
        [44, 50],
      ],
      expect: [
        [0, 15],
        [25, 40],
        [44, 50],
      ],
    },
    { old: [], ranges: [[42, 42]], expect: "EINVAL" },
    { old: [], ranges: [[42, 21]], expect: "EINVAL" },
    {
      old: [],
      ranges: [
        [10, 20],
        [20, 30],
      ],
      min: 4096,
      expect: "EINVAL",
    },
  ];
  for (const [i, c] of cases.entries()) {
    const t = targetOf(c.old);
    const ranges = c.ranges.map(([start, end]) => ({ start, end }));
    if (c.expect === "EINVAL") {
      assert.throws(() => setRegions(t, ranges, c.min ?? 1), DamonInvalidError, `case ${i + 1}`);
      assert.deepEqual(rangesOf(t), c.old, `case ${i + 1} left unchanged`);
    } else {
      setRegions(t, ranges, c.min ?? 1);
      assert.deepEqual(rangesOf(t), c.expect, `case ${i + 1}`);
    }
  }
});

test("C10 set_regions keeps the counters of resized regions", () => {
  const t = targetOf(
    [
      [4, 16],
      [24, 32],
    ],
    { nr: [7, 9], age: [3, 5] },
  );
  setRegions(t, [{ start: 8, end: 28 }], 1);
  assert.deepEqual(
    t.regions.map((r) => [r.nrAccesses, r.age]),
    [
      [7, 3],
      [0, 0],
      [9, 5],
    ],
  );
});

test("C25 damon_test_commit_target_regions", () => {
  const dst = targetOf([
    [3, 8],
    [8, 10],
  ]);
  commitTargetRegions(dst, targetOf([[4, 6]]), 1);
  assert.deepEqual(rangesOf(dst), [[4, 6]]);
  const dst2 = targetOf([
    [3, 8],
    [8, 10],
  ]);
  commitTargetRegions(dst2, targetOf([]), 1);
  assert.deepEqual(rangesOf(dst2), [
    [3, 8],
    [8, 10],
  ]);
});

test("C37 damon_test_is_last_region", () => {
  const t = new Target();
  for (let i = 0; i < 4; i++) {
    const r = new Region(i * 2, (i + 1) * 2);
    addRegion(t, r);
    assert.ok(isLastRegion(t, r));
  }
  assert.ok(!isLastRegion(t, t.regions[0]));
});

test("C28 damon_test_commit_ctx: min_region_sz must be a power of two; pause is copied", () => {
  const dst = createContext({ minRegionSz: 1 });
  const params = { attrs: { ...dst.attrs }, minRegionSz: 4096, pause: false };
  commitContext(dst, params);
  assert.equal(dst.minRegionSz, 4096);
  assert.throws(() => commitContext(dst, { ...params, minRegionSz: 4095 }), DamonInvalidError);
  assert.equal(dst.minRegionSz, 4096, "nothing changed on error");
  commitContext(dst, { ...params, pause: true });
  assert.equal(dst.pause, true);
  // Targets' regions are committed by index, keeping the counters of survivors.
  const t = targetOf([[0, 8192]], { nr: [5] });
  dst.targets.push(t);
  commitContext(dst, { ...params, targets: [targetOf([[0, 4096]])] });
  assert.deepEqual(rangesOf(dst.targets[0]), [[0, 4096]]);
  assert.equal(dst.targets[0].regions[0].nrAccesses, 5);
});
