/**
 * A thread's last few page chunks (vma.ts), served by the access loops themselves:
 * real programs switch mapping about every 3 accesses (stack, heap, binary, library
 * data), and leaving the loop for each switch cost more than the accesses
 * (docs/replay.md). The loop scans the slots' bounds when an access leaves the
 * current chunk and switches arrays locally; only an access outside every slot
 * goes back to execAccesses (EXIT_VMA) for a layout search and an insert here.
 *
 * Slot NO_SLOT is "no chunk" (the last access was outside every mapping): empty
 * bounds and arrays, never matched, so the loop leaves at the next access.
 */
import type { PageChunk, Vma } from "./vma.js";
import { PMD_SLOTS } from "./upper-accessed.js";
import { PLAIN_ALLOC, type SimHeap } from "./sim-heap.js";

/** Chunks a thread's loop serves without leaving it: the fixture traces use 8–16 in turn (binary, libraries, heap, stack). */
export const VMA_CACHE_SLOTS = 16;
/** The "no chunk" slot. */
export const NO_SLOT = VMA_CACHE_SLOTS;

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_PT = new Uint8Array(PMD_SLOTS);

export class VmaCache {
  /** Slot k's chunk covers pages [bounds[2k], bounds[2k + 1]); empty slots are [0, 0). */
  readonly bounds: Float64Array;
  /**
   * For the WebAssembly loop (wasm-loops.ts): slot k's flags, frames and PMD-bit
   * arrays as byte offsets in the heap, at [3k, 3k + 3); both tables live in the heap.
   */
  readonly ptrs: Int32Array;
  /** Slots whose chunk has an array outside the heap (bit k): the JavaScript loops must run. */
  foreign = 0;
  /** Slot k's chunk arrays (PageChunk.flags, .frames, .pt), for the loop. */
  readonly flags: Uint8Array[] = [];
  readonly frames: Int32Array[] = [];
  readonly pt: Uint8Array[] = [];
  readonly chunks: (PageChunk | null)[] = [];
  readonly vmas: (Vma | null)[] = [];
  /** Slot of the last access's chunk (NO_SLOT: none). */
  slot = NO_SLOT;
  /** The address space layout generation the slots are valid for. */
  private gen = -1;
  /** Next slot to replace (round robin). */
  private next = 0;

  constructor(private readonly heap: SimHeap | null = null) {
    const alloc = heap ?? PLAIN_ALLOC;
    this.bounds = alloc.f64(2 * (VMA_CACHE_SLOTS + 1));
    this.ptrs = alloc.i32(3 * (VMA_CACHE_SLOTS + 1));
    for (let k = 0; k <= VMA_CACHE_SLOTS; k++) {
      this.flags.push(EMPTY_U8);
      this.frames.push(EMPTY_I32);
      this.pt.push(EMPTY_PT);
      this.chunks.push(null);
      this.vmas.push(null);
    }
  }

  /**
   * Drops every slot if the layout changed since the last call (generation `gen`): a
   * mapping may be gone. Every change to a chunk's extent or arrays is a layout
   * change (brk bumps the generation), so unchanged slots are still exact. Returns
   * whether they were dropped.
   */
  sync(gen: number): boolean {
    if (gen === this.gen) return false;
    this.gen = gen;
    this.next = 0;
    this.slot = NO_SLOT;
    for (let k = 0; k < VMA_CACHE_SLOTS; k++) this.set(k, null, null);
    return true;
  }

  /** Puts `chunk` of `vma` in a slot (it is in none) and makes it the current one; returns the slot. */
  insert(vma: Vma, chunk: PageChunk): number {
    const k = this.next;
    this.next = k + 1 === VMA_CACHE_SLOTS ? 0 : k + 1;
    this.set(k, vma, chunk);
    this.slot = k;
    return k;
  }

  private set(k: number, vma: Vma | null, c: PageChunk | null): void {
    this.vmas[k] = vma;
    this.chunks[k] = c;
    this.bounds[2 * k] = c !== null ? c.startPage : 0;
    this.bounds[2 * k + 1] = c !== null ? c.endPage : 0;
    this.flags[k] = c !== null ? c.flags : EMPTY_U8;
    this.frames[k] = c !== null ? c.frames : EMPTY_I32;
    this.pt[k] = c !== null ? c.pt : EMPTY_PT;
    // An empty slot is never matched: offset 0 (reserved in the heap) is never read.
    const h = this.heap;
    const f = c !== null && h !== null ? h.ptr(c.flags) : 0;
    const fr = c !== null && h !== null ? h.ptr(c.frames) : 0;
    const pt = c !== null && h !== null ? h.ptr(c.pt) : 0;
    this.ptrs[3 * k] = f;
    this.ptrs[3 * k + 1] = fr;
    this.ptrs[3 * k + 2] = pt;
    if (f < 0 || fr < 0 || pt < 0) this.foreign |= 1 << k;
    else this.foreign &= ~(1 << k);
  }
}
