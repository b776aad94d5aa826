import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/util/rng.js";
import { threeRegionsOf } from "../../src/ops/three-regions.js";
import { setRegions } from "../../src/core/region.js";
import { addrFilterMatch } from "../../src/schemes/addr-filter.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

test("C39 damon_test_rand: 10000 draws of rand(0,10) stay in [0,9]; same seed, same stream", () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 10000; i++) {
    const x = a.randRange(0, 10);
    assert.ok(Number.isInteger(x) && x >= 0 && x <= 9);
    assert.equal(b.randRange(0, 10), x);
    seen.add(x);
  }
  assert.equal(seen.size, 10);
  const big = new Rng(1);
  for (let i = 0; i < 1000; i++) {
    const x = big.randRange(2 ** 40, 2 ** 47);
    assert.ok(x >= 2 ** 40 && x < 2 ** 47);
  }
});

test("V1 damon_test_three_regions_in_vmas", () => {
  const vmas = [
    [10, 20],
    [20, 25],
    [200, 210],
    [210, 220],
    [300, 305],
    [307, 330],
  ].map(([start, end]) => ({ start, end }));
  assert.deepEqual(threeRegionsOf(vmas, 1), [
    { start: 10, end: 25 },
    { start: 200, end: 220 },
    { start: 300, end: 330 },
  ]);
  assert.equal(threeRegionsOf([{ start: 0, end: 10 }], 1), null);
  assert.equal(
    threeRegionsOf(
      [
        { start: 0, end: 10 },
        { start: 20, end: 30 },
      ],
      1,
    ),
    null,
  );
});

test("V2–V5 damon_test_apply_three_regions", () => {
  const old: [number, number][] = [
    [10, 20],
    [20, 30],
    [50, 55],
    [55, 57],
    [57, 59],
    [70, 80],
    [80, 90],
    [90, 100],
  ];
  const cases: [[number, number][], [number, number][]][] = [
    [
      [
        [5, 27],
        [45, 55],
        [73, 104],
      ],
      [
        [5, 20],
        [20, 27],
        [45, 55],
        [73, 80],
        [80, 90],
        [90, 104],
      ],
    ],
    [
      [
        [5, 27],
        [56, 57],
        [65, 104],
      ],
      [
        [5, 20],
        [20, 27],
        [56, 57],
        [65, 80],
        [80, 90],
        [90, 104],
      ],
    ],
    [
      [
        [5, 27],
        [61, 63],
        [65, 104],
      ],
      [
        [5, 20],
        [20, 27],
        [61, 63],
        [65, 80],
        [80, 90],
        [90, 104],
      ],
    ],
    [
      [
        [5, 7],
        [30, 32],
        [65, 68],
      ],
      [
        [5, 7],
        [30, 32],
        [65, 68],
      ],
    ],
  ];
  for (const [i, [three, expect]] of cases.entries()) {
    const t = targetOf(old);
    setRegions(
      t,
      three.map(([start, end]) => ({ start, end })),
      1,
    );
    assert.deepEqual(rangesOf(t), expect, `V${i + 2}`);
  }
});

test("C30 damos_test_filter_out: addr filter [2,6) splits straddling regions", () => {
  const f = { start: 2, end: 6, matching: true };
  const cases: [[number, number], boolean, [number, number][]][] = [
    [[3, 5], true, [[3, 5]]],
    [[1, 2], false, [[1, 2]]],
    [[6, 8], false, [[6, 8]]],
    [
      [1, 4],
      false,
      [
        [1, 2],
        [2, 4],
      ],
    ],
    [
      [2, 8],
      true,
      [
        [2, 6],
        [6, 8],
      ],
    ],
  ];
  for (const [range, want, after] of cases) {
    const t = targetOf([range]);
    assert.equal(addrFilterMatch(t, 0, f, 1), want, range.join(","));
    assert.deepEqual(rangesOf(t), after);
  }
  // Holds with any min region size when the numbers are scaled by it.
  const m = 4096;
  const t = targetOf([[m, 4 * m]]);
  assert.equal(addrFilterMatch(t, 0, { start: 2 * m, end: 6 * m, matching: true }, m), false);
  assert.deepEqual(rangesOf(t), [
    [m, 2 * m],
    [2 * m, 4 * m],
  ]);
});
