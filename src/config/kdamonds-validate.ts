/** The kernel's own checks of a kdamonds configuration, as a ConfigError naming the field. */
import { validateProbes } from "../core/probe.js";
import { fail, type Path } from "./field-error.js";
import type { KdamondsConfig } from "./kdamonds-types.js";

/** Checks the constraints the kernel enforces at `on`/`commit` (spec §1.7, §7.2), naming the field. */
export function validateKdamonds(config: KdamondsConfig, file?: string): void {
  config.kdamonds.forEach((k, ki) => {
    if (k.contexts.length > 1)
      fail(file, ["kdamonds", ki, "contexts"], "the kernel allows at most one context per kdamond");
    k.contexts.forEach((c, ci) => {
      const p: Path = ["kdamonds", ki, "contexts", ci];
      const iv = c.intervals;
      if (iv.sampleUs === 0) fail(file, [...p, "intervals", "sample_us"], "must be larger than 0");
      try {
        validateProbes(c.probes, iv);
      } catch (e) {
        fail(file, [...p, "probes"], (e as Error).message);
      }
      if (iv.sampleUs > iv.aggrUs)
        fail(
          file,
          [...p, "intervals", "aggr_us"],
          `aggr (${iv.aggrUs} us) is shorter than sample (${iv.sampleUs} us)`,
        );
      if (iv.goal.aggrs !== 0) {
        if (iv.goal.minSampleUs > iv.goal.maxSampleUs)
          fail(file, [...p, "intervals", "intervals_goal", "min_sample_us"], "is larger than max_sample_us");
        if (iv.sampleUs < iv.goal.minSampleUs || iv.sampleUs > iv.goal.maxSampleUs)
          fail(
            file,
            [...p, "intervals", "sample_us"],
            "must lie within intervals_goal's [min_sample_us, max_sample_us]",
          );
      }
      if (c.nrRegions.min < 3) fail(file, [...p, "nr_regions", "min"], "must be at least 3");
      if (c.nrRegions.min > c.nrRegions.max) fail(file, [...p, "nr_regions", "max"], "is smaller than min");
      if (c.addrUnit === 0) fail(file, [...p, "addr_unit"], "must be larger than 0");
      if (c.addrUnit !== 1 && c.ops !== "paddr")
        fail(file, [...p, "addr_unit"], "only paddr contexts may use an addr_unit other than 1");
      if (c.ops === "paddr" && c.targets.length > 1)
        fail(file, [...p, "targets"], "a paddr context takes at most one target");
      c.targets.forEach((t, ti) => {
        if (c.ops !== "paddr" && t.pid === null)
          fail(file, [...p, "targets", ti, "pid"], `a ${c.ops} target needs a pid`);
        t.regions.forEach((r, ri) => {
          const rp: Path = [...p, "targets", ti, "regions", ri];
          if (r.start >= r.end) fail(file, rp, `start (${r.start}) must be below end (${r.end})`);
          if (ri > 0 && r.start < t.regions[ri - 1].end)
            fail(file, rp, "regions must be sorted and must not overlap");
        });
      });
    });
  });
}
