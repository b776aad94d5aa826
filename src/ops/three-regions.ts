/**
 * The vaddr initial layout (damon-spec.md §3.4): monitor three ranges of a
 * process's address space that leave out the two largest gaps between VMAs
 * (heap↔mmap area and mmap area↔stack). Pure, so the core tests can use it.
 */
import { alignUp } from "../core/arith.js";
import type { AddrRange } from "../core/region.js";

/**
 * `__damon_va_three_regions` (V1): returns the three ranges, or null when the
 * address space has fewer than two non-empty gaps (the kernel's -EINVAL).
 * `vmas` must be sorted by address and non-overlapping.
 */
export function threeRegionsOf(vmas: readonly AddrRange[], minRegionSz: number): AddrRange[] | null {
  if (vmas.length === 0) return null;
  let first: AddrRange = { start: 0, end: 0 };
  let second: AddrRange = { start: 0, end: 0 };
  const gapSize = (g: AddrRange): number => g.end - g.start;
  for (let i = 1; i < vmas.length; i++) {
    const gap = { start: vmas[i - 1].end, end: vmas[i].start };
    // Strict comparisons: ties keep the earlier gap.
    if (gapSize(gap) > gapSize(first)) {
      second = first;
      first = gap;
    } else if (gapSize(gap) > gapSize(second)) {
      second = gap;
    }
  }
  if (gapSize(first) === 0 || gapSize(second) === 0) return null;
  const [g1, g2] = first.start < second.start ? [first, second] : [second, first];
  const start = vmas[0].start;
  const end = vmas[vmas.length - 1].end;
  return [
    { start: alignUp(start, minRegionSz), end: alignUp(g1.start, minRegionSz) },
    { start: alignUp(g1.end, minRegionSz), end: alignUp(g2.start, minRegionSz) },
    { start: alignUp(g2.end, minRegionSz), end: alignUp(end, minRegionSz) },
  ];
}
