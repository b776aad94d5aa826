import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { JS_BATCH_FILL } from "../../src/mm/batch-fill.js";
import { SimHeap } from "../../src/mm/sim-heap.js";
import { instantiateAccessLoop } from "../../src/mm/wasm-loops.js";

/** The running sum the writers stand in for (integers below 2^53: exact either way). */
function runningSum(count: number, from: number, stride: number): number[] {
  const out: number[] = [];
  let x = from;
  for (let k = 0; k < count; k++) out.push((x += stride));
  return out;
}

test("the WebAssembly batch writers equal the running sum and the JavaScript writers, and write nothing else", () => {
  const heap = new SimHeap(64 << 20);
  const { batchFill } = instantiateAccessLoop(heap);
  const addrs = heap.f64(300);
  const writes = heap.u8(300);
  const plain = new Float64Array(300);
  const guard = heap.f64(4); // the next block: a write past addrs would land here
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 299 }),
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 2 ** 46 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.integer({ min: 0, max: 1 }),
      (at, count, from, stride, w) => {
        count = Math.min(count, 300 - at);
        addrs.fill(-1);
        plain.fill(-1);
        guard.fill(-7);
        batchFill.steps(addrs, at, count, from, stride);
        JS_BATCH_FILL.steps(plain, at, count, from, stride);
        const expect = [...Array<number>(at).fill(-1), ...runningSum(count, from, stride)];
        while (expect.length < 300) expect.push(-1);
        assert.deepEqual(Array.from(addrs), expect);
        assert.deepEqual(Array.from(plain), expect);
        assert.deepEqual(Array.from(guard), [-7, -7, -7, -7]);
        writes.fill(9);
        batchFill.bytes(writes, w, count);
        assert.deepEqual(Array.from(writes), [
          ...Array<number>(count).fill(w),
          ...Array<number>(300 - count).fill(9),
        ]);
      },
    ),
    { seed: 17, numRuns: 1500 },
  );
});

test("the batch writers refuse a run past the array, and write arrays outside the heap in JavaScript", () => {
  const heap = new SimHeap(64 << 20);
  const { batchFill } = instantiateAccessLoop(heap);
  const addrs = heap.f64(8);
  assert.throws(() => batchFill.steps(addrs, 5, 4, 0, 1), /past 8/);
  assert.throws(() => batchFill.bytes(heap.u8(8), 1, 9), /past 8/);
  const outside = new Float64Array(6);
  batchFill.steps(outside, 1, 4, 100, 10);
  assert.deepEqual(Array.from(outside), [0, 110, 120, 130, 140, 0]);
  const w = new Uint8Array(5);
  batchFill.bytes(w, 1, 3);
  assert.deepEqual(Array.from(w), [1, 1, 1, 0, 0]);
});
