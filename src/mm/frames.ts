/**
 * Physical memory: NUMA nodes, their "System RAM" ranges, and the frame table
 * (per-frame flags, node, reverse map). Frames are handed out on first touch;
 * the table's typed arrays grow with the highest frame used, so a machine with
 * 64 GiB of simulated RAM costs only what the workload touches.
 */
import { PAGE_SIZE } from "./vma.js";
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";
import { InputError } from "../util/errors.js";

/** Per-frame flag bits in `FrameTable.flags`. */
export const FRAME_ALLOCATED = 1;
/** On an LRU list (DAMON only considers LRU folios, spec §5.2). */
export const FRAME_LRU = 2;
/** PG_idle (spec §5.2): set by mkold; "not idle" counts as accessed. */
export const FRAME_IDLE = 4;
/** PG_young (spec §5.2): set by mkold when it cleared a young PTE, so reclaim still sees the reference. */
export const FRAME_YOUNG = 8;
/** On the active LRU list (else the inactive one), when FRAME_LRU is set. */
export const FRAME_ACTIVE = 16;
/** Part of a 2 MiB transparent huge page (until reclaim or migration splits it). */
export const FRAME_THP = 32;

/** Frame numbers fit an int32 (page tables hold them in Int32Array): 8 TiB of physical address. */
export const MAX_FRAMES = 2 ** 31;

export interface NodeConfig {
  /** Memory size of the node in bytes (rounded down to pages). */
  sizeBytes: number;
  /**
   * Access cost of this node's memory from a CPU on the same node, in ns.
   * Defaults to the cost model's localAccessNs; set higher for a slow tier (CXL, PMEM).
   */
  accessNs?: number;
}

/** A physical address range [start, end) of System RAM on a node. */
export interface RamRange {
  start: number;
  end: number;
  node: number;
}

/** Physical layout: RAM starts at 1 MiB and skips the 3–4 GiB PCI hole, as on a PC. */
const RAM_BASE = 0x100000;
const HOLE_START = 3 * 2 ** 30;
const HOLE_END = 4 * 2 ** 30;

/** Frame of `paddr`. */
export function pfnOf(paddr: number): number {
  return Math.floor(paddr / PAGE_SIZE);
}

export class FrameTable {
  /** FRAME_* bits per frame number. */
  flags: Uint8Array;
  /** NUMA node per frame. */
  node: Uint8Array;
  /** Reverse map: address-space id + 1 of the one mapping, 0 = unmapped. */
  rmapAsid: Int32Array;
  /** Reverse map: virtual page number of the mapping. */
  rmapVpn: Float64Array;
  readonly ranges: readonly RamRange[];
  readonly nodeFreeFrames: number[];
  /** Frames of each node (its capacity). */
  readonly nodeTotalFrames: number[];
  /** Called after the arrays grew (the truth recorder sizes its per-frame arrays). */
  onGrow: ((capacity: number) => void) | null = null;
  /** Called when a frame is freed (the truth recorder closes its entry). */
  onFree: ((pfn: number) => void) | null = null;
  allocatedFrames = 0;
  private readonly cursorRange: number[];
  private readonly cursorPfn: number[];
  private readonly freeLists: Int32Array[];
  private readonly freeCounts: number[];
  private readonly nodeRanges: RamRange[][];

  constructor(
    nodes: readonly NodeConfig[],
    /** Where `node` lives (the access loop reads it): the machine's heap. */
    private readonly alloc: ArrayAlloc = PLAIN_ALLOC,
  ) {
    if (nodes.length === 0) throw new RangeError("a machine needs at least one NUMA node");
    if (nodes.length > 255) throw new RangeError("at most 255 NUMA nodes");
    const ranges: RamRange[] = [];
    let addr = RAM_BASE;
    this.nodeRanges = nodes.map(() => []);
    nodes.forEach((n, id) => {
      let left = Math.floor(n.sizeBytes / PAGE_SIZE) * PAGE_SIZE;
      if (left <= 0) throw new RangeError(`node ${id}: size must be at least one page`);
      while (left > 0) {
        if (addr >= HOLE_START && addr < HOLE_END) addr = HOLE_END;
        const limit = addr < HOLE_START ? HOLE_START : Infinity;
        const len = Math.min(left, limit - addr);
        const prev = ranges[ranges.length - 1];
        // Adjacent ranges of the same node are one resource, as in /proc/iomem.
        if (prev !== undefined && prev.node === id && prev.end === addr) prev.end += len;
        else ranges.push({ start: addr, end: addr + len, node: id });
        addr += len;
        left -= len;
      }
    });
    for (const r of ranges) this.nodeRanges[r.node].push(r);
    // Frame numbers are int32 in the page tables, and per-frame arrays grow to the
    // highest frame used: a node must start below 8 TiB (one node can be any size).
    for (let id = 1; id < nodes.length; id++) {
      if (this.nodeRanges[id][0].start / PAGE_SIZE >= MAX_FRAMES)
        // Bad input (the machine's --memory, --nodes or --tier), not an internal error.
        throw new InputError(
          `node ${id} starts at ${+(this.nodeRanges[id][0].start / 2 ** 40).toFixed(2)} TiB: nodes must start below 8 TiB of physical address (make the earlier nodes smaller, or use one node)`,
          "--memory/--nodes/--tier",
        );
    }
    this.ranges = ranges;
    this.nodeFreeFrames = nodes.map((n) => Math.floor(n.sizeBytes / PAGE_SIZE));
    this.nodeTotalFrames = [...this.nodeFreeFrames];
    this.cursorRange = nodes.map(() => 0);
    this.cursorPfn = nodes.map((_, id) => this.nodeRanges[id][0].start / PAGE_SIZE);
    this.freeLists = nodes.map(() => new Int32Array(64));
    this.freeCounts = nodes.map(() => 0);
    const cap = 1 << 16;
    this.flags = new Uint8Array(cap);
    this.node = alloc.u8(cap);
    this.rmapAsid = new Int32Array(cap);
    this.rmapVpn = new Float64Array(cap);
  }

  get capacity(): number {
    return this.flags.length;
  }

  get nrNodes(): number {
    return this.nodeFreeFrames.length;
  }

  /** Highest physical address of RAM + 1. */
  get ramEnd(): number {
    return this.ranges[this.ranges.length - 1].end;
  }

  /**
   * Allocates a frame, preferring `node` and falling back to the others in
   * order; -1 when every node is full (the machine reclaims and retries).
   */
  allocate(node: number): number {
    const n = this.nrNodes;
    for (let k = 0; k < n; k++) {
      const id = (node + k) % n;
      const pfn = this.allocateOn(id);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  /** Allocates a frame on exactly `id`; -1 when that node is full. */
  allocateOn(id: number): number {
    if (this.nodeFreeFrames[id] === 0) return -1;
    let pfn: number;
    if (this.freeCounts[id] > 0) {
      pfn = this.freeLists[id][--this.freeCounts[id]];
    } else {
      const rs = this.nodeRanges[id];
      let ri = this.cursorRange[id];
      pfn = this.cursorPfn[id];
      if (pfn >= rs[ri].end / PAGE_SIZE) {
        ri++;
        pfn = rs[ri].start / PAGE_SIZE;
        this.cursorRange[id] = ri;
      }
      this.cursorPfn[id] = pfn + 1;
    }
    this.nodeFreeFrames[id]--;
    if (pfn >= this.flags.length) this.grow(pfn + 1);
    // The machine puts it on an LRU list (FRAME_LRU) once it is mapped.
    this.flags[pfn] = FRAME_ALLOCATED;
    this.node[pfn] = id;
    this.rmapAsid[pfn] = 0;
    this.allocatedFrames++;
    return pfn;
  }

  /** Returns a frame to its node's free list. */
  free(pfn: number): void {
    if (!(this.flags[pfn] & FRAME_ALLOCATED)) throw new Error(`freeing frame ${pfn} that is not allocated`);
    this.onFree?.(pfn);
    const id = this.node[pfn];
    this.flags[pfn] = 0;
    this.rmapAsid[pfn] = 0;
    let list = this.freeLists[id];
    if (this.freeCounts[id] === list.length) {
      const bigger = new Int32Array(list.length * 2);
      bigger.set(list);
      this.freeLists[id] = list = bigger;
    }
    list[this.freeCounts[id]++] = pfn;
    this.nodeFreeFrames[id]++;
    this.allocatedFrames--;
  }

  private grow(minCap: number): void {
    let cap = this.flags.length;
    while (cap < minCap) cap *= 2;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    const nd = this.alloc.u8(cap);
    nd.set(this.node);
    const ra = new Int32Array(cap);
    ra.set(this.rmapAsid);
    const rv = new Float64Array(cap);
    rv.set(this.rmapVpn);
    this.flags = f;
    this.node = nd;
    this.rmapAsid = ra;
    this.rmapVpn = rv;
    this.onGrow?.(cap);
  }
}
