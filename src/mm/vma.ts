/**
 * A virtual memory area and its page-table entries. The PTEs of a VMA are flat
 * typed arrays indexed by (page number − first page), allocated on the first
 * fault in the VMA (so a huge, mostly untouched mapping costs nothing until
 * used; large zeroed buffers are also committed lazily by the OS).
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** Multiply by this instead of dividing by PAGE_SIZE (exact for powers of two). */
export const INV_PAGE_SIZE = 1 / PAGE_SIZE;

/** Per-page flag bits in `Vma.flags` (one byte per page). */
export const PTE_PRESENT = 1;
/** The hardware Accessed bit. */
export const PTE_ACCESSED = 2;
/** The hardware Dirty bit. */
export const PTE_DIRTY = 4;
/**
 * Some hinting-fault owner armed this page (issue 4): the access path takes the
 * slow path when this is set, so the fast path tests one byte for "present and
 * not armed". Which owners armed it lives in `Vma.owners` (a bit mask per page).
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

export class Vma {
  /** First byte (page aligned). */
  start: number;
  /** One past the last byte (page aligned). */
  end: number;
  startPage: number;
  endPage: number;
  /** Per-page flags (PTE_*), or null until the first fault in this VMA. */
  flags: Uint8Array | null = null;
  /** Per-page frame number, valid where PTE_PRESENT is set. */
  frames: Int32Array | null = null;
  /** Per-page hinting-fault owner mask (issue 4), allocated by the hinting framework on first arm. */
  owners: Uint8Array | null = null;
  /** Pages with PTE_PRESENT set (resident set of this VMA). */
  residentPages = 0;

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
  }

  /** File-backed (the binary and libraries); the rest is anonymous memory. */
  get fileBacked(): boolean {
    return this.kind === "text" || this.kind === "lib";
  }

  get nrPages(): number {
    return this.endPage - this.startPage;
  }

  /** Allocates the PTE arrays (first fault). Capacity may exceed nrPages (heap growth). */
  ensureArrays(): void {
    if (this.flags === null) {
      const n = Math.max(1, this.nrPages);
      this.flags = new Uint8Array(n);
      this.frames = new Int32Array(n);
    }
  }

  /** Makes room for `nrPages` after the VMA grew (brk); keeps existing entries. */
  growArrays(): void {
    if (this.flags === null || this.flags.length >= this.nrPages) return;
    const cap = Math.max(this.nrPages, this.flags.length * 2);
    const f = new Uint8Array(cap);
    f.set(this.flags);
    const fr = new Int32Array(cap);
    fr.set(this.frames!);
    this.flags = f;
    this.frames = fr;
    if (this.owners !== null) {
      const o = new Uint8Array(cap);
      o.set(this.owners);
      this.owners = o;
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
    if (this.flags !== null) {
      const a = fromPage - this.startPage;
      const b = toPage - this.startPage;
      v.flags = this.flags.slice(a, b);
      v.frames = this.frames!.slice(a, b);
      if (this.owners !== null) v.owners = this.owners.slice(a, b);
      let r = 0;
      const f = v.flags;
      for (let i = 0; i < f.length; i++) if (f[i] & PTE_PRESENT) r++;
      v.residentPages = r;
    }
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
