/**
 * A process's address space, laid out like an x86-64 Linux process without
 * ASLR: the binary (text, data) and the brk heap at low addresses growing up, a
 * huge gap, the mmap area growing down from just below 0x7ffff7fff000 (shared
 * libraries at its top), a ~128 MiB gap, and the main stack at the top. So the
 * vaddr "three regions" layout (spec §3.4) has real gaps to find, and
 * mmap/munmap/brk during a run change it.
 */
import { fmtBytes } from "../util/units.js";
import { InputError } from "../util/errors.js";
import { UpperAccessedBits } from "./upper-accessed.js";
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, Vma, type VmaInfo, type VmaKind } from "./vma.js";

export const TEXT_START = 0x555555554000;
export const MMAP_TOP = 0x7ffff7fff000;
export const STACK_TOP = 0x7ffffffff000;
export const MAIN_STACK_BYTES = 0x21000;
/** vm.mmap_min_addr's default: nothing is mapped below it. */
export const MMAP_MIN_ADDR = 0x10000;
/** glibc's default M_MMAP_THRESHOLD: malloc serves requests this big with mmap. */
export const MMAP_THRESHOLD = 128 * 1024;
/** glibc's chunk header: malloc returns mmap'd chunks at this offset into the mapping. */
const CHUNK_HEADER = 16;
/** Default stack of an extra thread (pthread). */
export const THREAD_STACK_BYTES = 8 * 2 ** 20;

export function pageAlignUp(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}
export function pageAlignDown(x: number): number {
  return Math.floor(x / PAGE_SIZE) * PAGE_SIZE;
}

/** How the machine frees the pages of a VMA range when it is unmapped (frames, TLBs). */
export type ReleasePages = (as: AddressSpace, vma: Vma, fromPage: number, toPage: number) => void;

export interface MmapOptions {
  prot?: number;
  name?: string;
  kind?: VmaKind;
  /** Preferred NUMA node (mbind); -1 = the faulting CPU's node. */
  node?: number;
}

export class AddressSpace {
  /** VMAs sorted by address, never overlapping. Read-only outside mm. */
  readonly vmas: Vma[] = [];
  /** Bumped by every layout change; the access path re-validates its cached VMA on change. */
  layoutGen = 0;
  /** Current program break. */
  brkEnd: number;
  readonly heapStart: number;
  private heapTop: number;
  private readonly mallocChunks = new Map<number, { addr: number; len: number }>();
  /** Memory cgroup id the process is charged to (1 = the root cgroup). */
  memcgId = 1;
  /** Accessed bits of the page tables' upper levels (PGD/PUD/PMD), shared by all VMAs. */
  readonly upper: UpperAccessedBits;

  constructor(
    /** Index into the machine's address spaces (used in TLB tags and the reverse map). */
    readonly asid: number,
    readonly pid: number,
    readonly comm: string,
    private readonly release: ReleasePages,
    /** Where page tables live (the machine's heap); chunks take it from `upper`. */
    alloc: ArrayAlloc = PLAIN_ALLOC,
  ) {
    this.upper = new UpperAccessedBits(alloc);
    const rx = PROT_READ | PROT_EXEC;
    const rw = PROT_READ | PROT_WRITE;
    this.insert(new Vma(TEXT_START, TEXT_START + 0x2000, "text", rx, comm));
    this.insert(new Vma(TEXT_START + 0x2000, TEXT_START + 0x3000, "data", rw, comm));
    this.heapStart = TEXT_START + 0x3000;
    this.brkEnd = this.heapStart;
    this.heapTop = this.heapStart;
    let top = MMAP_TOP;
    for (const [len, prot, name] of [
      [0x2d000, rx, "ld-linux-x86-64.so.2"],
      [0x1000, rw, "ld-linux-x86-64.so.2"],
      [0x195000, rx, "libc.so.6"],
      [0x5000, rw, "libc.so.6"],
    ] as const) {
      this.insert(new Vma(top - len, top, "lib", prot, name));
      top -= len;
    }
    this.insert(new Vma(STACK_TOP - MAIN_STACK_BYTES, STACK_TOP, "stack", rw, "[stack]"));
    this.layoutGen = 0;
  }

  /** Snapshot of the layout, sorted by address (what the vaddr ops read at update time). */
  vmaInfos(): VmaInfo[] {
    return this.vmas.map((v) => ({
      start: v.start,
      end: v.end,
      kind: v.kind,
      prot: v.prot,
      name: v.name,
      residentBytes: v.residentPages * PAGE_SIZE,
    }));
  }

  /** The VMA containing virtual page `vpn`, or null (binary search). */
  findVma(vpn: number): Vma | null {
    if (!(vpn >= 0)) return null; // NaN or negative: no VMA
    const vs = this.vmas;
    let lo = 0;
    let hi = vs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = vs[mid];
      if (vpn < v.startPage) hi = mid - 1;
      else if (vpn >= v.endPage) lo = mid + 1;
      else return v;
    }
    return null;
  }

  /**
   * The parts of [start, end) (bytes) whose page tables exist: the VMAs' allocated
   * chunks, in address order. A page walk over the range visits only these, as the
   * kernel's skips empty upper-level entries: an action over a mostly untouched
   * terabyte region costs what was touched, not its size.
   */
  touchedRanges(start: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    const from = Math.floor(start / PAGE_SIZE);
    const to = Math.ceil(end / PAGE_SIZE);
    for (const v of this.vmas) {
      if (v.endPage <= from || v.startPage >= to) continue;
      for (const c of v.chunksIn(Math.max(from, v.startPage), Math.min(to, v.endPage))) {
        const s = Math.max(start, c.startPage * PAGE_SIZE);
        const e = Math.min(end, c.endPage * PAGE_SIZE);
        if (s < e) out.push([s, e]);
      }
    }
    return out;
  }

  /** The VMA containing byte address `addr`, or null. */
  vmaAt(addr: number): Vma | null {
    return this.findVma(Math.floor(addr / PAGE_SIZE));
  }

  /** Maps `len` bytes of anonymous memory top-down in the mmap area; returns its address. */
  mmap(len: number, opts: MmapOptions = {}): number {
    if (!(len > 0)) throw new InputError(`mmap: length must be positive, got ${len}`);
    const size = pageAlignUp(len);
    const addr = this.findTopDown(size);
    const v = new Vma(
      addr,
      addr + size,
      opts.kind ?? "mmap",
      opts.prot ?? PROT_READ | PROT_WRITE,
      opts.name ?? "[anon]",
      opts.node ?? -1,
    );
    this.insert(v);
    return addr;
  }

  /**
   * MAP_FIXED: maps [addr, addr+len) (page-aligned outward) exactly there,
   * replacing whatever was mapped in that range. Trace replay rebuilds a real
   * program's layout with it.
   */
  mmapFixed(addr: number, len: number, opts: MmapOptions = {}): number {
    if (!(len > 0)) throw new InputError(`mmap: length must be positive, got ${len}`);
    const start = pageAlignDown(addr);
    const end = pageAlignUp(addr + len);
    this.munmap(start, end - start);
    this.insert(
      new Vma(
        start,
        end,
        opts.kind ?? "mmap",
        opts.prot ?? PROT_READ | PROT_WRITE,
        opts.name ?? "[anon]",
        opts.node ?? -1,
      ),
    );
    return start;
  }

  /** Unmaps [addr, addr+len) (page-aligned outward), splitting VMAs; frees the frames. */
  munmap(addr: number, len: number): void {
    if (addr % PAGE_SIZE !== 0)
      throw new InputError(`munmap: address 0x${addr.toString(16)} is not page aligned`);
    const from = addr / PAGE_SIZE;
    const to = pageAlignUp(addr + len) / PAGE_SIZE;
    const kept: Vma[] = [];
    let changed = false;
    for (const v of this.vmas) {
      if (v.endPage <= from || v.startPage >= to) {
        kept.push(v);
        continue;
      }
      changed = true;
      const a = Math.max(from, v.startPage);
      const b = Math.min(to, v.endPage);
      this.release(this, v, a, b);
      if (v.startPage < a) kept.push(v.slice(v.startPage, a));
      if (b < v.endPage) kept.push(v.slice(b, v.endPage));
    }
    if (changed) {
      this.vmas.length = 0;
      this.vmas.push(...kept);
      this.layoutGen++;
    }
  }

  /** Moves the program break (grows or shrinks the heap VMA); returns the new break. */
  brk(newEnd: number): number {
    if (newEnd < this.heapStart) return this.brkEnd;
    const oldPages = pageAlignUp(this.brkEnd) / PAGE_SIZE;
    const newPages = pageAlignUp(newEnd) / PAGE_SIZE;
    const heap = this.vmas.find((v) => v.kind === "heap");
    if (newPages > oldPages) {
      const limit = this.lowestMmapStart();
      if (newPages * PAGE_SIZE > limit) throw new InputError("brk: heap would run into the mmap area");
      if (heap) {
        heap.setEndPage(newPages);
      } else {
        this.insert(new Vma(this.heapStart, newPages * PAGE_SIZE, "heap", PROT_READ | PROT_WRITE, "[heap]"));
      }
    } else if (newPages < oldPages && heap) {
      this.release(this, heap, newPages, heap.endPage);
      if (newPages === heap.startPage) {
        this.vmas.splice(this.vmas.indexOf(heap), 1);
      } else {
        heap.setEndPage(newPages);
      }
    }
    this.brkEnd = newEnd;
    this.layoutGen++;
    return newEnd;
  }

  /**
   * glibc-like malloc: requests of MMAP_THRESHOLD or more get their own mmap
   * (the pointer is 16 bytes into it, after the chunk header); smaller ones come
   * from the brk heap. Returns the address.
   */
  malloc(size: number, name = "[anon]"): number {
    if (!(size > 0)) throw new InputError(`malloc: size must be positive, got ${size}`);
    if (size >= MMAP_THRESHOLD) {
      const len = pageAlignUp(size + CHUNK_HEADER);
      const base = this.mmap(len, { name });
      const p = base + CHUNK_HEADER;
      this.mallocChunks.set(p, { addr: base, len });
      return p;
    }
    const p = Math.ceil((this.heapTop + CHUNK_HEADER) / 16) * 16;
    this.heapTop = p + size;
    // Grow with glibc's 128 KiB top pad so small mallocs do not brk every time.
    if (this.heapTop > this.brkEnd) this.brk(pageAlignUp(this.heapTop + MMAP_THRESHOLD));
    return p;
  }

  /** Frees a malloc'd pointer: mmap'd chunks are unmapped; heap chunks stay (no trimming). */
  free(p: number): void {
    const c = this.mallocChunks.get(p);
    if (c) {
      this.mallocChunks.delete(p);
      this.munmap(c.addr, c.len);
    }
  }

  private lowestMmapStart(): number {
    let low = MMAP_TOP;
    for (const v of this.vmas) if (v.kind === "mmap" || v.kind === "lib") low = Math.min(low, v.start);
    return low;
  }

  private findTopDown(size: number): number {
    let hi = MMAP_TOP;
    const floor = pageAlignUp(this.brkEnd) + 2 ** 30; // keep room for the heap to grow
    let largest = 0;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= MMAP_TOP) continue;
      if (v.kind === "heap" || v.kind === "data" || v.kind === "text") break;
      if (hi - v.end >= size) return hi - size;
      largest = Math.max(largest, hi - v.end);
      hi = Math.min(hi, v.start);
    }
    if (hi - size >= floor) return hi - size;
    // Without ASLR a PIE process has no gap over ~42 TiB above its binary; a bigger
    // mapping goes below the binary (as a hint address there would), top-down.
    let below = TEXT_START;
    for (const v of this.vmas) if (v.start < TEXT_START) below = Math.min(below, v.start);
    if (below - size >= MMAP_MIN_ADDR) return below - size;
    largest = Math.max(largest, hi - floor, below - MMAP_MIN_ADDR);
    throw new InputError(
      `mmap: no room for ${fmtBytes(size)}: the largest free range of the process's address space ` +
        `(x86-64 user space is 128 TiB) is ${fmtBytes(largest)}`,
    );
  }

  private insert(v: Vma): void {
    const vs = this.vmas;
    let i = vs.length;
    while (i > 0 && vs[i - 1].start > v.start) i--;
    if ((i > 0 && vs[i - 1].end > v.start) || (i < vs.length && vs[i].start < v.end)) {
      throw new Error(`VMA [0x${v.start.toString(16)}, 0x${v.end.toString(16)}) overlaps an existing one`);
    }
    v.upper = this.upper;
    vs.splice(i, 0, v);
    this.layoutGen++;
  }
}
