import { Region, Target } from "../../src/core/region.js";

/** Builds a target from [start, end) pairs with optional counters. */
export function targetOf(
  ranges: readonly (readonly [number, number])[],
  stats: { nr?: readonly number[]; last?: readonly number[]; age?: readonly number[] } = {},
): Target {
  const t = new Target();
  ranges.forEach(([s, e], i) => {
    const r = new Region(s, e);
    r.nrAccesses = stats.nr?.[i] ?? 0;
    r.lastNrAccesses = stats.last?.[i] ?? 0;
    r.age = stats.age?.[i] ?? 0;
    t.regions.push(r);
  });
  return t;
}

/** The [start, end) pairs of a target's regions. */
export function rangesOf(t: Target): [number, number][] {
  return t.regions.map((r) => [r.start, r.end]);
}
