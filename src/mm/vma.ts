/**
 * A virtual memory area and its page-table entries. The PTEs of a VMA are typed
 * arrays in 1 GiB chunks (one per PUD entry's span), each allocated on the first
 * touch in its block, so a huge mostly untouched mapping costs host memory in
 * proportion to what is touched (zeroed buffers are also committed lazily by the OS).
 * Code outside the access loop reads them through the accessors (flagAt, ...),
 * indexed by page offset from the VMA's first page, as the flat arrays were.
 */

import { PMD_SLOTS, PGD_SPAN_PAGES, type UpperAccessedBits } from "./upper-accessed.js";
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** Multiply by this instead of dividing by PAGE_SIZE (exact for powers of two). */
export const INV_PAGE_SIZE = 1 / PAGE_SIZE;

/** Per-page flag bits in `PageChunk.flags` (one byte per page). */
export const PTE_PRESENT = 1;
/** The hardware Accessed bit. */
export const PTE_ACCESSED = 2;
/** The hardware Dirty bit. */
export const PTE_DIRTY = 4;
/**
 * Some hinting-fault owner armed this page (issue 4): the access path takes the
 * slow path when this is set, so the fast path tests one byte for "present and
 * not armed". Which owners armed it lives in `PageChunk.owners` (a bit mask per page).
 */
export const PTE_ARMED = 8;
/** Reserved: the page is write-protected (COW / uffd-wp); kept apart from PTE_ARMED so restores are exact. */
export const PTE_WRITE_PROTECTED = 16;
/**
 * Not present because reclaim evicted it (to swap, or a clean file page dropped):
 * the next access takes a major fault that brings it back (PTE_PRESENT is clear,
 * so the fast path leaves to the slow path by itself).
 */
export const PTE_SWAPPED = 32;
/** MADV_HUGEPAGE advice on this page: a fault in a fully advised 2 MiB block maps the whole block. */
export const PTE_THP_ADVISED = 64;
/** Pages per transparent huge page (2 MiB). */
export const THP_PAGES = 512;
/** The two bits the fast path tests: it runs when `(flags & PTE_FAST_MASK) === PTE_PRESENT`. */
export const PTE_FAST_MASK = PTE_PRESENT | PTE_ARMED;

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** What a VMA is, for display and for the layout (the vaddr ops ignore it). */
export type VmaKind = "text" | "data" | "heap" | "mmap" | "lib" | "stack";

/** Pages per chunk of per-page state: 2^18 pages = 1 GiB, the span of one PUD entry. */
export const CHUNK_SHIFT = 18;
export const CHUNK_PAGES = 2 ** CHUNK_SHIFT;
const INV_CHUNK_PAGES = 1 / CHUNK_PAGES;

/**
 * The page-table entries of the part of a VMA inside one 1 GiB-aligned block of
 * virtual pages, allocated on the first touch in that block. To the access loop a
 * chunk is a mini-VMA: pages [startPage, endPage), arrays indexed by vpn − startPage.
 */
export class PageChunk {
  /** Per-page flags (PTE_*). */
  flags: Uint8Array;
  /** Per-page frame number, valid where PTE_PRESENT is set. */
  frames: Int32Array;
  /** Per-page hinting-fault owner mask (issue 4), allocated on the first arm. */
  owners: Uint8Array | null = null;
  /** The upper-level Accessed bits of this chunk's 1 GiB block (upper-accessed.ts). */
  readonly pt: Uint8Array;
  /** The address space's PGD bits, and this chunk's entry there. */
  readonly pgdBits: Uint8Array;
  readonly pgdIdx: number;
  /** Where flags and frames live: the address space's (the machine's heap), for the access loop. */
  private readonly alloc: ArrayAlloc;

  constructor(
    readonly startPage: number,
    /** One past the last page (the arrays may hold more: room for heap growth). */
    public endPage: number,
    capacity = endPage - startPage,
    /** The address space's upper-level bits; null = private ones (a VMA outside any address space). */
    upper: UpperAccessedBits | null = null,
  ) {
    this.alloc = upper?.alloc ?? PLAIN_ALLOC;
    this.flags = this.alloc.u8(capacity);
    this.frames = this.alloc.i32(capacity);
    const block = Math.floor(startPage * INV_CHUNK_PAGES);
    this.pt = upper !== null ? upper.block(block) : new Uint8Array(PMD_SLOTS);
    this.pgdIdx = Math.floor(startPage / PGD_SPAN_PAGES);
    this.pgdBits = upper !== null ? upper.pgd : new Uint8Array(this.pgdIdx + 1);
  }

  /** The owners array, allocated on first use. */
  ensureOwners(): Uint8Array {
    if (this.owners === null) this.owners = new Uint8Array(this.flags.length);
    return this.owners;
  }

  /** Makes the arrays hold pages up to `endPage` (brk growth), at least doubling. */
  growTo(endPage: number): void {
    const need = endPage - this.startPage;
    if (need > this.flags.length) {
      const cap = Math.min(CHUNK_PAGES, Math.max(need, this.flags.length * 2));
      const f = this.alloc.u8(cap);
      f.set(this.flags);
      const fr = this.alloc.i32(cap);
      fr.set(this.frames);
      this.flags = f;
      this.frames = fr;
      if (this.owners !== null) {
        const o = new Uint8Array(cap);
        o.set(this.owners);
        this.owners = o;
      }
    }
    this.endPage = endPage;
  }
}

export class Vma {
  /** First byte (page aligned). */
  start: number;
  /** One past the last byte (page aligned). */
  end: number;
  startPage: number;
  endPage: number;
  /**
   * Per-page state in 1 GiB chunks, indexed by (vpn >> CHUNK_SHIFT) − baseChunk;
   * null until the first touch in that chunk, and an untouched chunk reads as
   * "not present" (so a terabyte mapping costs nothing until used).
   */
  chunks: (PageChunk | null)[] = [];
  /** Chunks allocated so far. */
  nrChunks = 0;
  /** Pages with PTE_PRESENT set (resident set of this VMA). */
  residentPages = 0;
  /** The address space's upper-level Accessed bits (set when the VMA is inserted). */
  upper: UpperAccessedBits | null = null;
  private readonly baseChunk: number;

  constructor(
    start: number,
    end: number,
    readonly kind: VmaKind,
    public prot: number,
    readonly name: string,
    /** Preferred NUMA node for new frames (mbind), or -1 for the faulting CPU's node. */
    public policyNode = -1,
  ) {
    this.start = start;
    this.end = end;
    this.startPage = start / PAGE_SIZE;
    this.endPage = end / PAGE_SIZE;
    this.baseChunk = Math.floor(this.startPage * INV_CHUNK_PAGES);
  }

  /** File-backed (the binary and libraries); the rest is anonymous memory. */
  get fileBacked(): boolean {
    return this.kind === "text" || this.kind === "lib";
  }

  get nrPages(): number {
    return this.endPage - this.startPage;
  }

  /** Whether any page of the VMA was ever touched (some chunk exists). */
  get hasPages(): boolean {
    return this.nrChunks > 0;
  }

  /** The chunk holding virtual page `vpn` (inside the VMA), or null when untouched. */
  chunkOf(vpn: number): PageChunk | null {
    return this.chunks[Math.floor(vpn * INV_CHUNK_PAGES) - this.baseChunk] ?? null;
  }

  /** The chunk holding virtual page `vpn` (inside the VMA), allocated if needed. */
  ensureChunk(vpn: number): PageChunk {
    const k = Math.floor(vpn * INV_CHUNK_PAGES) - this.baseChunk;
    let c = this.chunks[k];
    if (c === undefined || c === null) {
      const block = (k + this.baseChunk) * CHUNK_PAGES;
      const a = Math.max(this.startPage, block);
      const b = Math.min(this.endPage, block + CHUNK_PAGES);
      c = new PageChunk(a, b, b - a, this.upper);
      while (this.chunks.length < k) this.chunks.push(null);
      this.chunks[k] = c;
      this.nrChunks++;
    }
    return c;
  }

  /** The allocated chunks overlapping pages [fromPage, toPage), in address order. */
  chunksIn(fromPage = this.startPage, toPage = this.endPage): PageChunk[] {
    const out: PageChunk[] = [];
    if (this.nrChunks === 0) return out;
    const k0 = Math.max(0, Math.floor(fromPage * INV_CHUNK_PAGES) - this.baseChunk);
    const k1 = Math.min(this.chunks.length - 1, Math.floor((toPage - 1) * INV_CHUNK_PAGES) - this.baseChunk);
    for (let k = k0; k <= k1; k++) {
      const c = this.chunks[k];
      if (c !== null && c !== undefined) out.push(c);
    }
    return out;
  }

  /** PTE flags of page `idx` (offset from startPage); 0 when untouched. */
  flagAt(idx: number): number {
    const vpn = this.startPage + idx;
    const c = this.chunkOf(vpn);
    return c === null ? 0 : c.flags[vpn - c.startPage];
  }

  /** Sets the PTE flags of page `idx`, allocating its chunk if needed. */
  setFlag(idx: number, f: number): void {
    const vpn = this.startPage + idx;
    const c = this.ensureChunk(vpn);
    c.flags[vpn - c.startPage] = f;
  }

  /** Frame of page `idx` (meaningful only where PTE_PRESENT is set). */
  frameAt(idx: number): number {
    const vpn = this.startPage + idx;
    const c = this.chunkOf(vpn);
    return c === null ? 0 : c.frames[vpn - c.startPage];
  }

  setFrame(idx: number, pfn: number): void {
    const vpn = this.startPage + idx;
    const c = this.ensureChunk(vpn);
    c.frames[vpn - c.startPage] = pfn;
  }

  /** Hinting-fault owner mask of page `idx`; 0 when none. */
  ownerAt(idx: number): number {
    const vpn = this.startPage + idx;
    const c = this.chunkOf(vpn);
    return c === null || c.owners === null ? 0 : c.owners[vpn - c.startPage];
  }

  setOwner(idx: number, mask: number): void {
    const vpn = this.startPage + idx;
    const c = this.ensureChunk(vpn);
    if (mask === 0 && c.owners === null) return;
    c.ensureOwners()[vpn - c.startPage] = mask;
  }

  /** Sets the VMA's end page (brk): the last chunk follows growth and shrinking. */
  setEndPage(endPage: number): void {
    this.end = endPage * PAGE_SIZE;
    this.endPage = endPage;
    const kEnd = endPage > this.startPage ? Math.floor((endPage - 1) * INV_CHUNK_PAGES) - this.baseChunk : -1;
    while (this.chunks.length > kEnd + 1) {
      if (this.chunks.pop()) this.nrChunks--;
    }
    for (let k = 0; k < this.chunks.length; k++) {
      const c = this.chunks[k];
      if (c === null) continue;
      const blockEnd = (k + this.baseChunk + 1) * CHUNK_PAGES;
      const want = Math.min(blockEnd, endPage);
      if (c.endPage !== want) c.growTo(want);
    }
  }

  /** A copy of pages [fromPage, toPage) (absolute page numbers) as a new VMA (munmap splits). */
  slice(fromPage: number, toPage: number): Vma {
    const v = new Vma(
      fromPage * PAGE_SIZE,
      toPage * PAGE_SIZE,
      this.kind,
      this.prot,
      this.name,
      this.policyNode,
    );
    v.upper = this.upper;
    let r = 0;
    for (const c of this.chunksIn(fromPage, toPage)) {
      const a = Math.max(fromPage, c.startPage);
      const b = Math.min(toPage, c.endPage);
      if (a >= b) continue;
      const nc = v.ensureChunk(a);
      const off = a - c.startPage;
      nc.flags.set(c.flags.subarray(off, off + (b - a)), a - nc.startPage);
      nc.frames.set(c.frames.subarray(off, off + (b - a)), a - nc.startPage);
      if (c.owners !== null) nc.ensureOwners().set(c.owners.subarray(off, off + (b - a)), a - nc.startPage);
      const f = nc.flags;
      for (let i = a - nc.startPage; i < b - nc.startPage; i++) if (f[i] & PTE_PRESENT) r++;
    }
    v.residentPages = r;
    return v;
  }
}

/** What `vmas(pid)` returns: a read-only snapshot of one VMA. */
export interface VmaInfo {
  start: number;
  end: number;
  kind: VmaKind;
  prot: number;
  name: string;
  residentBytes: number;
}
