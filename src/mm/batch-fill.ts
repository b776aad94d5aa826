/**
 * Writers of a thread's batch for its access stream (sim-cpu.ts AccessStream).
 * A generator's sequential walk writes `from + k * stride` for thousands of k per
 * batch, and every batch's write flags; in JavaScript over the heap's shared
 * memory those loops cost about 1.7 ns per access (a SharedArrayBuffer's fill is
 * element by element), a tenth of the whole simulated access. The WebAssembly
 * module's fill_steps and fill_bytes (access-loop.wat) do them with vector
 * stores and memory.fill. docs/memory-model.md, "eleventh pass", has the figures.
 */
import type { SimHeap } from "./sim-heap.js";

export interface BatchFill {
  /**
   * addrs[at + k - 1] = from + k * stride for k = 1..count. The result is the
   * running sum's only where every operand and sum is an integer below 2^53
   * (then no order of adds rounds): callers check that, or keep their own loop.
   */
  steps(addrs: Float64Array, at: number, count: number, from: number, stride: number): void;
  /** writes[0..n) = value (0 or 1). */
  bytes(writes: Uint8Array, value: number, n: number): void;
}

/** Plain JavaScript: for arrays outside a heap, and the reference the tests compare with. */
export const JS_BATCH_FILL: BatchFill = {
  steps(addrs, at, count, from, stride) {
    for (let k = 1; k <= count; k++) addrs[at + k - 1] = from + k * stride;
  },
  bytes(writes, value, n) {
    writes.fill(value, 0, n);
  },
};

/** The module's exports over `heap` (wasm-loops.ts instantiates them). */
export interface WasmBatchFillFns {
  fill_steps(p: number, count: number, from: number, stride: number): void;
  fill_bytes(p: number, value: number, n: number): void;
}

/**
 * The WebAssembly writers for arrays in `heap`; arrays elsewhere (a heap that
 * overflowed hands out plain ones) take the JavaScript ones. Bounds are checked
 * here, as a typed array would: the module writes wherever it is told.
 */
export function wasmBatchFill(heap: SimHeap, fns: WasmBatchFillFns): BatchFill {
  return {
    steps(addrs, at, count, from, stride) {
      if (count <= 0) return;
      if (at < 0 || at + count > addrs.length)
        throw new RangeError(`batch steps [${at}, ${at + count}) past ${addrs.length}`);
      if (!heap.owns(addrs)) return JS_BATCH_FILL.steps(addrs, at, count, from, stride);
      fns.fill_steps(addrs.byteOffset + at * 8, count, from, stride);
    },
    bytes(writes, value, n) {
      if (n <= 0) return;
      if (n > writes.length) throw new RangeError(`batch bytes [0, ${n}) past ${writes.length}`);
      if (!heap.owns(writes)) return JS_BATCH_FILL.bytes(writes, value, n);
      fns.fill_bytes(writes.byteOffset, value, n);
    },
  };
}
