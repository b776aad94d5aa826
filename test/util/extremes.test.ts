import assert from "node:assert/strict";
import { test } from "node:test";
import { maxOf, minOf } from "../../src/util/extremes.js";

// A replay that skips idle time reached 150,000 aggregation windows in a second, and
// Math.min(...windows) overflowed the stack ("Maximum call stack size exceeded").
test("minOf/maxOf take lists of any length, and agree with Math.min/max", () => {
  const long = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 100_003);
  assert.throws(() => Math.min(...long), RangeError);
  assert.equal(minOf(long), 0);
  assert.equal(maxOf(long), 100_002);
  for (const xs of [[], [3], [2, -1, 5], [NaN, 1], [1, NaN], [Infinity, -Infinity]]) {
    assert.ok(Object.is(minOf(xs), Math.min(...xs)), `min ${JSON.stringify(xs)}`);
    assert.ok(Object.is(maxOf(xs), Math.max(...xs)), `max ${JSON.stringify(xs)}`);
  }
});
