/**
 * Per-node LRU lists (active / inactive) over frame numbers, as intrusive
 * doubly-linked lists in typed arrays (no allocation per page). Heads are the
 * most recently added end; reclaim scans from the tails. Which list a frame is
 * on is the FRAME_ACTIVE bit of the frame table; FRAME_LRU says it is on one.
 */
import { FRAME_ACTIVE, FRAME_LRU, type FrameTable } from "./frames.js";

export class LruLists {
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** head/tail per list; list index = node * 2 + (active ? 1 : 0). */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Pages per list. */
  readonly count: Float64Array;

  constructor(private readonly ft: FrameTable) {
    const n = ft.nrNodes * 2;
    this.head = new Int32Array(n).fill(-1);
    this.tail = new Int32Array(n).fill(-1);
    this.count = new Float64Array(n);
  }

  private ensure(pfn: number): void {
    if (pfn < this.prev.length) return;
    let cap = Math.max(1024, this.prev.length);
    while (cap <= pfn) cap *= 2;
    const p = new Int32Array(cap);
    p.set(this.prev);
    const nx = new Int32Array(cap);
    nx.set(this.next);
    this.prev = p;
    this.next = nx;
  }

  private listOf(pfn: number): number {
    return this.ft.node[pfn] * 2 + (this.ft.flags[pfn] & FRAME_ACTIVE ? 1 : 0);
  }

  /** Adds an unlisted frame at the head of its node's active or inactive list. */
  add(pfn: number, active: boolean, atTail = false): void {
    this.ensure(pfn);
    const ft = this.ft;
    if (active) ft.flags[pfn] |= FRAME_ACTIVE;
    else ft.flags[pfn] &= ~FRAME_ACTIVE;
    ft.flags[pfn] |= FRAME_LRU;
    const l = this.listOf(pfn);
    if (atTail) {
      this.next[pfn] = -1;
      this.prev[pfn] = this.tail[l];
      if (this.tail[l] >= 0) this.next[this.tail[l]] = pfn;
      else this.head[l] = pfn;
      this.tail[l] = pfn;
    } else {
      this.prev[pfn] = -1;
      this.next[pfn] = this.head[l];
      if (this.head[l] >= 0) this.prev[this.head[l]] = pfn;
      else this.tail[l] = pfn;
      this.head[l] = pfn;
    }
    this.count[l]++;
  }

  /** Takes a frame off its list (no-op when it is on none). */
  remove(pfn: number): void {
    const ft = this.ft;
    if (!(ft.flags[pfn] & FRAME_LRU) || pfn >= this.prev.length) return;
    const l = this.listOf(pfn);
    const p = this.prev[pfn];
    const nx = this.next[pfn];
    if (p >= 0) this.next[p] = nx;
    else this.head[l] = nx;
    if (nx >= 0) this.prev[nx] = p;
    else this.tail[l] = p;
    this.count[l]--;
    ft.flags[pfn] &= ~FRAME_LRU;
  }

  /** Moves a listed frame to the head (or tail) of the active or inactive list. */
  move(pfn: number, active: boolean, atTail = false): void {
    if (!(this.ft.flags[pfn] & FRAME_LRU)) return;
    this.remove(pfn);
    this.add(pfn, active, atTail);
  }

  /** Tail frame of a node's list, or -1. */
  tailOf(node: number, active: boolean): number {
    return this.tail[node * 2 + (active ? 1 : 0)];
  }

  /** The frame before `pfn` on its list (towards the head), or -1. */
  prevOf(pfn: number): number {
    return this.prev[pfn];
  }

  pages(node: number, active: boolean): number {
    return this.count[node * 2 + (active ? 1 : 0)];
  }

  /** Listed pages of every node on the active (or inactive) lists. */
  total(active: boolean): number {
    let s = 0;
    for (let i = active ? 1 : 0; i < this.count.length; i += 2) s += this.count[i];
    return s;
  }
}
