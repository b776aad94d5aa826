/**
 * The Accessed-bit check's same-folio shortcut (damon-spec.md §5.2, §5.3): when a
 * sampling address lies in the folio checked just before, its answer is reused
 * instead of walking the page table again.
 */
import { alignDown } from "../core/arith.js";

export class SameFolioCache {
  private lastAddr = -1;
  private lastFolio = 4096;
  private lastAccessed = false;

  /** Forgets the last check (vaddr: at each new target). */
  reset(): void {
    this.lastAddr = -1;
  }

  /** The cached answer when `addr` is in the last checked folio, else null. */
  lookup(addr: number): boolean | null {
    if (this.lastAddr < 0) return null;
    return alignDown(this.lastAddr, this.lastFolio) === alignDown(addr, this.lastFolio)
      ? this.lastAccessed
      : null;
  }

  store(addr: number, folioBytes: number, accessed: boolean): void {
    this.lastAddr = addr;
    this.lastFolio = folioBytes;
    this.lastAccessed = accessed;
  }
}
