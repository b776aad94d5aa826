/**
 * The DAMOS `addr` core filter's match (damon-spec.md §6.10, C30): a region that
 * straddles the filter's boundary is split there, so that each part is wholly
 * inside or outside. The full DAMOS filter machinery builds on this.
 */
import { alignDown } from "../core/arith.js";
import { splitRegionAtIndex } from "../core/region.js";
import type { Target } from "../core/region.js";

export interface AddrFilter {
  start: number;
  end: number;
  /** The filter matches a region whose "inside the range" property equals this. */
  matching: boolean;
}

/**
 * Whether the filter matches the region at `idx` of t (property === matching).
 * May split that region; the region at `idx` is then the first part.
 */
export function addrFilterMatch(t: Target, idx: number, f: AddrFilter, minRegionSz: number): boolean {
  const r = t.regions[idx];
  const start = alignDown(f.start, minRegionSz);
  const end = alignDown(f.end, minRegionSz);
  let inside: boolean;
  if (start <= r.start && r.end <= end) inside = true;
  else if (r.end <= start || end <= r.start) inside = false;
  else if (r.start < start) {
    splitRegionAtIndex(t, idx, start - r.start);
    inside = false;
  } else {
    splitRegionAtIndex(t, idx, end - r.start);
    inside = true;
  }
  return inside === f.matching;
}
