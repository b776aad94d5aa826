import { test } from "node:test";
import assert from "node:assert/strict";
import { feedLoopNextInput } from "../../src/core/feed-loop.js";
import { ULONG_MAX } from "../../src/core/arith.js";
import { tunedIntervals } from "../../src/core/tune.js";
import { defaultAttrs } from "../../src/core/attrs.js";

test("C34 damon_test_feed_loop_next_input", () => {
  const f200 = feedLoopNextInput(900000, 200);
  const fHuge = feedLoopNextInput(900000, 250_000_000);
  const f2000 = feedLoopNextInput(900000, 2000);
  assert.ok(f200 > 900000n);
  assert.ok(fHuge < 900000n);
  assert.ok(f200 > f2000);
  assert.equal(f200, 1_782_000n);
  assert.equal(fHuge, 10000n);
  assert.equal(f2000, 1_620_000n);
});

test("D1–D5 feed loop values", () => {
  assert.equal(feedLoopNextInput(900000, 2000), 1_620_000n);
  assert.equal(feedLoopNextInput(10000, 0), 20000n);
  assert.equal(feedLoopNextInput(20000, 0), 40000n);
  assert.equal(feedLoopNextInput(100_000_000, 15000), 50_000_000n);
  for (const last of [10000, 12345, 999_999_999]) assert.equal(feedLoopNextInput(last, 10000), BigInt(last));
  assert.equal(feedLoopNextInput(12345, 20000), 10000n);
  assert.equal(feedLoopNextInput(12345, 99999), 10000n);
});

test("feed loop saturates at ULONG_MAX", () => {
  assert.equal(feedLoopNextInput(ULONG_MAX - 5n, 0), ULONG_MAX);
  assert.equal(feedLoopNextInput(ULONG_MAX, 0), ULONG_MAX);
});

test("D6–D8 interval tuning", () => {
  const base = {
    ...defaultAttrs(),
    sampleUs: 5000,
    aggrUs: 100000,
    intervalsGoal: { accessBp: 400, aggrs: 3, minSampleUs: 1000, maxSampleUs: 10_000_000 },
  };
  const d6 = tunedIntervals(base, 20, 0)!;
  assert.deepEqual([d6.sampleUs, d6.aggrUs], [10000, 200000]);
  const d7 = tunedIntervals(base, 20, 20000)!;
  assert.deepEqual([d7.sampleUs, d7.aggrUs], [2500, 50000]);
  const d8 = tunedIntervals(base, 20, 15000)!;
  assert.deepEqual([d8.sampleUs, d8.aggrUs], [3750, 75000]);
  assert.equal(tunedIntervals(base, 20, 10000), null);
  const clamped = tunedIntervals(
    { ...base, intervalsGoal: { ...base.intervalsGoal, maxSampleUs: 6000 } },
    20,
    0,
  )!;
  assert.deepEqual([clamped.sampleUs, clamped.aggrUs], [6000, 120000]);
});
