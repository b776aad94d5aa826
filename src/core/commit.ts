/**
 * Online commit of a context's parameters (`damon_commit_ctx`, damon-spec.md
 * §7.4): validates before changing anything, then copies pause, attributes (with
 * the §1.7 rescaling, only when they differ: `damon_attrs_equals`), the minimum
 * region size and the targets' regions (matched by index). Schemes are committed by src/schemes/commit.ts.
 */
import type { Attrs } from "./attrs.js";
import { attrsEqual, validateAttrs } from "./attrs.js";
import type { Context } from "./context.js";
import { setAttrs } from "./context.js";
import { commitTargetRegions } from "./region.js";
import type { Target } from "./region.js";
import { DamonInvalidError } from "../util/errors.js";
import { validateProbes } from "./probe.js";
import type { Probe } from "./probe.js";

export interface ContextParams {
  attrs: Attrs;
  minRegionSz: number;
  pause: boolean;
  /** Targets matched by index; their regions are committed (§1.9). */
  targets?: readonly Target[];
  /** Probes replacing the context's (`damon_commit_probes`); absent keeps them. */
  probes?: Probe[];
}

/** Commits `src` into the running context `dst` (C28); throws DamonInvalidError, changing nothing. */
export function commitContext(dst: Context, src: ContextParams): void {
  const m = src.minRegionSz;
  if (!(m > 0) || (m & (m - 1)) !== 0)
    throw new DamonInvalidError(`min_region_sz ${m} is not a power of two`);
  validateAttrs(src.attrs);
  // damon_valid_probe_params runs on the source context before anything changes.
  validateProbes(src.probes ?? dst.probes, src.attrs);
  if (src.targets && src.targets.length > dst.targets.length)
    throw new DamonInvalidError("committing more targets than the context has is not supported here");
  dst.pause = src.pause;
  dst.minRegionSz = m;
  // `__damon_commit_ctx`: damon_set_attrs only when the attributes differ, so an
  // unchanged commit does not move the aggregation deadline.
  if (!attrsEqual(dst.attrs, src.attrs)) setAttrs(dst, src.attrs);
  src.targets?.forEach((t, i) => commitTargetRegions(dst.targets[i], t, m));
  // After damon_set_attrs, which rescales the hits of the probes installed so far.
  if (src.probes) dst.probes = src.probes;
}
