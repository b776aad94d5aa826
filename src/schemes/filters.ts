/**
 * DAMOS filters (damon-spec.md §6.10). Core filters (addr, target) are evaluated
 * on regions before the ops set is called and may split a region at the filter's
 * boundary; ops filters are evaluated per folio by the action's executor, with
 * the properties it reads from the memory system.
 */
import type { Target } from "../core/region.js";
import { probeHitsWsum, type Probe, type ProbeClock } from "../core/probe.js";
import { addrFilterMatch } from "./addr-filter.js";
import type { DamosFilter, Scheme } from "./types.js";
import { probeFilterHas, type PageAttrs, type ProbeFilter } from "../core/probe.js";

/** What the core filters read of the context: the region size unit, and the probes and clock for `probe_hits_wsum`. */
export interface CoreFilterContext extends ProbeClock {
  minRegionSz: number;
  probes: readonly Probe[];
}

/**
 * Whether the core filters reject the region at `idx` of target `targetIdx`
 * (`damos_core_filter_out`). The first matching filter decides; records in the
 * scheme whether a filter explicitly allowed it (then ops filters are skipped).
 * `probe_hits_wsum` matches when the region's weighted probe-hit sum, from the
 * moving sum, is in [min, max] (`damos_filter_match`: `damon_probe_hits_wsum(r,
 * false, true, ctx)`).
 */
export function coreFiltersReject(
  s: Scheme,
  t: Target,
  targetIdx: number,
  idx: number,
  ctx: CoreFilterContext,
): boolean {
  s.coreFiltersAllowed = false;
  for (const f of s.coreFilters) {
    let matched: boolean;
    if (f.type === "addr") {
      matched = addrFilterMatch(
        t,
        idx,
        { start: f.addrStart ?? 0, end: f.addrEnd ?? 0, matching: f.matching },
        ctx.minRegionSz,
      );
    } else if (f.type === "probe_hits_wsum") {
      const wsum = probeHitsWsum(t.regions[idx], false, true, ctx.probes, ctx);
      matched = (wsum >= (f.wsumMin ?? 0) && wsum <= (f.wsumMax ?? 0)) === f.matching;
    } else {
      matched = (f.targetIdx === targetIdx) === f.matching;
    }
    if (matched) {
      if (f.allow) s.coreFiltersAllowed = true;
      return !f.allow;
    }
  }
  return s.coreFiltersDefaultReject;
}

/** What an executor knows of one folio for the ops filters (the same properties probes test). */
export type FolioProps = PageAttrs;

/** Ops filter types test folio properties exactly as probe filters do (src/core/probe.ts). */
function opsFilterHas(f: DamosFilter, folio: FolioProps): boolean {
  if (f.type === "addr" || f.type === "target" || f.type === "probe_hits_wsum") return false;
  return probeFilterHas(f as ProbeFilter, folio);
}

/**
 * Whether a folio passes the scheme's ops filters (`damos_ops_filter_out` negated).
 * A region the core filters explicitly allowed passes without evaluation.
 */
export function opsFiltersPass(
  s: Scheme,
  folio: FolioProps,
  extraFilters: readonly DamosFilter[] = [],
): boolean {
  if (s.coreFiltersAllowed) return true;
  for (const f of s.opsFilters) if (opsFilterHas(f, folio) === f.matching) return f.allow;
  for (const f of extraFilters) if (opsFilterHas(f, folio) === f.matching) return f.allow;
  return !s.opsFiltersDefaultReject;
}
