/**
 * One machine's arrays for the access path, in a WebAssembly memory, so that the
 * WebAssembly access loop (wasm-loops.ts) reads and writes the same bytes the
 * rest of the simulator does through ordinary typed arrays (docs/memory-model.md,
 * "eighth pass"). The memory is shared (SharedArrayBuffer-backed) because a shared
 * memory never moves when it grows: views made before a grow stay valid, so the
 * arrays can be kept and passed around like any others.
 *
 * A WebAssembly memory holds at most 4 GiB. When an allocation does not fit, the
 * heap hands out an ordinary typed array and marks itself overflowed; the machine
 * then runs the JavaScript loops, which work on any array (slower, never wrong).
 * Untouched pages of the memory are not committed by the OS, as with ordinary
 * zeroed arrays, so a huge mostly idle mapping still costs little host memory.
 *
 * Blocks are bump-allocated, 16-byte aligned, from memory never used before, so
 * they are zeroed as a new typed array is. Nothing is given back: an array replaced
 * by a bigger one (the frame table, the truth, a chunk that grew) stays, as it did
 * as a JavaScript array while anything still held it (nothing can then read a block
 * reused for something else). Such arrays grow by doubling, so what they leave
 * behind is at most as much again as the arrays themselves.
 */

import { Wasm, type WasmMemory } from "./wasm/wasm-api.js";

/** WebAssembly page size and the memory's limit in pages (4 GiB). */
const WASM_PAGE = 65536;
const MAX_PAGES = 65536;
/** Bytes below this offset are never handed out: offset 0 is "no array" to the loop. */
const RESERVED = 64;

export type HeapArray = Uint8Array | Uint16Array | Int32Array | Float64Array;

/** Where a machine's access-path arrays come from. */
export interface ArrayAlloc {
  u8(n: number): Uint8Array;
  u16(n: number): Uint16Array;
  i32(n: number): Int32Array;
  f64(n: number): Float64Array;
}

/** Ordinary typed arrays (machines without a heap, and tests). */
export const PLAIN_ALLOC: ArrayAlloc = {
  u8: (n) => new Uint8Array(n),
  u16: (n) => new Uint16Array(n),
  i32: (n) => new Int32Array(n),
  f64: (n) => new Float64Array(n),
};

/**
 * A heap, or null where the memory cannot be made: a shared memory reserves its
 * whole limit of address space up front, which a process under `ulimit -v` may not
 * have. The machine then runs the JavaScript loops.
 */
export function makeSimHeap(maxBytes?: number): SimHeap | null {
  try {
    return new SimHeap(maxBytes);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

export class SimHeap implements ArrayAlloc {
  readonly memory: WasmMemory;
  /** Set once an allocation did not fit: from then on the machine runs the JavaScript loops. */
  overflowed = false;
  private buf: SharedArrayBuffer;
  /** Every buffer object the memory has had (a grow makes a new one); views over any are ours. */
  private readonly bufs = new WeakSet<ArrayBufferLike>();
  private top = RESERVED;
  private readonly maxPages: number;

  /** `maxBytes`: the limit, 4 GiB by default (smaller ones are for tests of the overflow). */
  constructor(maxBytes = MAX_PAGES * WASM_PAGE, initialBytes = 1 << 20) {
    this.maxPages = Math.max(1, Math.min(MAX_PAGES, Math.floor(maxBytes / WASM_PAGE)));
    const initial = Math.min(this.maxPages, Math.max(1, Math.ceil(initialBytes / WASM_PAGE)));
    this.memory = new Wasm.Memory({ initial, maximum: this.maxPages, shared: true });
    this.buf = this.memory.buffer as SharedArrayBuffer;
    this.bufs.add(this.buf);
  }

  u8(n: number): Uint8Array {
    const off = this.alloc(n);
    return off < 0 ? new Uint8Array(n) : new Uint8Array(this.buf, off, n);
  }

  u16(n: number): Uint16Array {
    const off = this.alloc(n * 2);
    return off < 0 ? new Uint16Array(n) : new Uint16Array(this.buf, off, n);
  }

  i32(n: number): Int32Array {
    const off = this.alloc(n * 4);
    return off < 0 ? new Int32Array(n) : new Int32Array(this.buf, off, n);
  }

  f64(n: number): Float64Array {
    const off = this.alloc(n * 8);
    return off < 0 ? new Float64Array(n) : new Float64Array(this.buf, off, n);
  }

  /** Whether `a` lives in this heap (so the WebAssembly loop can reach it by its byte offset). */
  owns(a: HeapArray): boolean {
    return this.bufs.has(a.buffer);
  }

  /** `a`'s byte offset in the memory, or -1 if it is not in this heap. */
  ptr(a: HeapArray): number {
    return this.bufs.has(a.buffer) ? a.byteOffset : -1;
  }

  /** A zeroed block of at least `bytes`, or -1 (and overflowed) when the memory is full. */
  private alloc(bytes: number): number {
    // At least 16 bytes, so that an empty array too has an offset of its own.
    const end = this.top + Math.max(16, Math.ceil(bytes / 16) * 16);
    if (end > this.buf.byteLength && !this.growTo(end)) {
      this.overflowed = true;
      return -1;
    }
    const off = this.top;
    this.top = end;
    return off;
  }

  /** Grows the memory to hold `end` bytes (at least doubling); false if 4 GiB is not enough. */
  private growTo(end: number): boolean {
    const have = this.buf.byteLength / WASM_PAGE;
    const need = Math.ceil(end / WASM_PAGE);
    if (need > this.maxPages) return false;
    const pages = Math.min(this.maxPages, Math.max(need, have * 2));
    try {
      this.memory.grow(pages - have);
    } catch {
      return false;
    }
    this.buf = this.memory.buffer as SharedArrayBuffer;
    this.bufs.add(this.buf);
    return true;
  }
}
