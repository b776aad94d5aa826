/**
 * Accessed bits of the upper page-table levels (PGD, PUD, PMD) of one address
 * space, as x86-64's 4-level page walker sets them: every level the walk uses
 * gets its Accessed bit set, so an upper entry's bit says "some translation under
 * me was loaded since my bit was last cleared" (docs/memory-model.md, "Page tables").
 * The state is per address space, not per VMA, as the page tables are: two VMAs in
 * one 1 GiB block share its PMD table.
 *
 * Layout: per 1 GiB block (one PUD entry) a Uint8Array of PMD_SLOTS bytes, the 512
 * PMD entries' bits then the PUD entry's own bit (PUD_SLOT); the block exists once a
 * chunk of some VMA was allocated in it (its page table pages exist). PGD bits are one
 * byte per 512 GiB. The access loop sets the PMD byte in its walk; the caller sets the
 * PUD and PGD bits after a loop call that walked (access.ts), which is exact at
 * kdamond's granularity since kdamond runs only between loop calls.
 */
import { PLAIN_ALLOC, type ArrayAlloc } from "./sim-heap.js";

/** Bytes per 1 GiB block: 512 PMD entries' Accessed bits, then the PUD entry's. */
export const PMD_SLOTS = 513;
/** Index of the PUD entry's own bit in a block's array. */
export const PUD_SLOT = 512;
/** Pages under one PMD entry (2 MiB) and one PUD entry (1 GiB). */
export const PMD_SPAN_PAGES = 512;
export const PUD_SPAN_PAGES = 512 * 512;
/** Pages under one PGD entry (512 GiB). */
export const PGD_SPAN_PAGES = 512 * 512 * 512;
/** PGD entries for every page a double can address (2^53 bytes): 2^14. */
const PGD_ENTRIES = 2 ** 14;

export class UpperAccessedBits {
  /** PGD entries' Accessed bits, by vpn / PGD_SPAN_PAGES. */
  readonly pgd = new Uint8Array(PGD_ENTRIES);
  /** Existing 1 GiB blocks under each PGD entry (an entry exists while this is > 0). */
  readonly blocksUnderPgd = new Uint16Array(PGD_ENTRIES);
  /** Per existing 1 GiB block (vpn / PUD_SPAN_PAGES): its PMD bits and its PUD bit. */
  readonly blocks = new Map<number, Uint8Array>();

  constructor(
    /** Where the address space's page-table arrays live (the machine's heap): blocks and chunks. */
    readonly alloc: ArrayAlloc = PLAIN_ALLOC,
  ) {}

  /** The bits of block `block`, created (all clear) if it has none yet. */
  block(block: number): Uint8Array {
    let b = this.blocks.get(block);
    if (b === undefined) {
      b = this.alloc.u8(PMD_SLOTS);
      this.blocks.set(block, b);
      this.blocksUnderPgd[Math.floor(block / 512)]++;
    }
    return b;
  }

  /** The Accessed bits over page `vpn`: [PGD, PUD, PMD], each 0 or 1 (0 where no entry exists). */
  bitsAt(vpn: number): [number, number, number] {
    const b = this.blocks.get(Math.floor(vpn / PUD_SPAN_PAGES));
    if (b === undefined) return [0, 0, 0];
    const pmd = Math.floor(vpn / PMD_SPAN_PAGES) % 512;
    return [this.pgd[Math.floor(vpn / PGD_SPAN_PAGES)], b[PUD_SLOT], b[pmd]];
  }

  /**
   * munmap of pages [fromPage, toPage): page-table pages wholly inside the range
   * are freed (free_pgtables), so their entries go, bits included: PMD bits of whole
   * 2 MiB spans are cleared, blocks wholly inside are dropped.
   */
  release(fromPage: number, toPage: number): void {
    const b0 = Math.floor(fromPage / PUD_SPAN_PAGES);
    const b1 = Math.floor((toPage - 1) / PUD_SPAN_PAGES);
    // Visit the blocks in range by key or by the map, whichever is fewer.
    const keys = b1 - b0 < this.blocks.size ? range(b0, b1) : [...this.blocks.keys()];
    for (const k of keys) {
      const bits = this.blocks.get(k);
      if (bits === undefined || k < b0 || k > b1) continue;
      const base = k * PUD_SPAN_PAGES;
      if (fromPage <= base && toPage >= base + PUD_SPAN_PAGES) {
        this.blocks.delete(k);
        if (--this.blocksUnderPgd[Math.floor(k / 512)] === 0) this.pgd[Math.floor(k / 512)] = 0;
        continue;
      }
      const p0 = Math.ceil((Math.max(fromPage, base) - base) / PMD_SPAN_PAGES);
      const p1 = Math.floor((Math.min(toPage, base + PUD_SPAN_PAGES) - base) / PMD_SPAN_PAGES);
      for (let p = p0; p < p1; p++) bits[p] = 0;
    }
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let k = a; k <= b; k++) out.push(k);
  return out;
}

/** What a chunk keeps to mark the upper levels after a walk under it. */
export interface WalkedChunk {
  /** Its block's bits (UpperAccessedBits.block). */
  readonly pt: Uint8Array;
  /** The address space's PGD bits and the chunk's PGD index. */
  readonly pgdBits: Uint8Array;
  readonly pgdIdx: number;
}

/** A translation under chunk `c` was loaded: set its PUD and PGD Accessed bits. */
export function markWalked(c: WalkedChunk): void {
  c.pt[PUD_SLOT] = 1;
  c.pgdBits[c.pgdIdx] = 1;
}
