/**
 * A kdamonds file's schemes as the simulator's DAMOS schemes, so one configuration
 * drives both the guest kernel and the simulator. Units already match (the config
 * layer stores kernel units); what the simulator cannot model (memcg paths) is refused.
 */
import type { FilterConfig, SchemeConfig } from "../config/kdamonds-types.js";
import { newScheme } from "../schemes/scheme.js";
import type { DamosFilter, Scheme } from "../schemes/types.js";
import { ConfigError } from "../util/errors.js";

function filterOf(f: FilterConfig, where: string): DamosFilter {
  const base = { matching: f.matching, allow: f.allow };
  switch (f.type) {
    case "addr":
      if (!f.addressRange) throw new ConfigError("an addr filter needs address_range", where);
      return { type: "addr", ...base, addrStart: f.addressRange.start, addrEnd: f.addressRange.end };
    case "target":
      return { type: "target", ...base, targetIdx: f.targetIdx ?? 0 };
    case "hugepage_size":
      return {
        type: "hugepage_size",
        ...base,
        minSz: f.hugepageSize?.min ?? 0,
        maxSz: f.hugepageSize?.max ?? 0,
      };
    case "memcg":
      throw new ConfigError("memcg filters have no simulated counterpart", where);
    default:
      return { type: f.type, ...base };
  }
}

export function schemesFromConfig(configs: readonly SchemeConfig[], where = "schemes"): Scheme[] {
  return configs.map((c, i) => {
    const at = `${where}[${i}]`;
    const q = c.quotas;
    return newScheme({
      action: c.action,
      pattern: {
        minSzRegion: c.accessPattern.szBytes.min,
        maxSzRegion: c.accessPattern.szBytes.max,
        minNrAccesses: c.accessPattern.nrAccesses.min,
        maxNrAccesses: c.accessPattern.nrAccesses.max,
        minAge: c.accessPattern.age.min,
        maxAge: c.accessPattern.age.max,
      },
      applyIntervalUs: c.applyIntervalUs,
      quota: {
        ms: q.timeMs,
        sz: q.szBytes,
        resetIntervalMs: q.resetIntervalMs,
        weightSz: q.weights.szPermil,
        weightNrAccesses: q.weights.nrAccessesPermil,
        weightAge: q.weights.agePermil,
        goalTuner: q.goalTuner,
        failChargeNum: q.failChargeNum,
        failChargeDenom: q.failChargeDenom,
        goals: q.goals.map((g) => ({
          metric: g.metric,
          targetValue: g.targetValue,
          currentValue: g.currentValue,
          nid: g.nid ?? 0,
          memcgId: 0,
          complement: false,
          lastPsiTotal: null,
        })),
      },
      wmarks: {
        metric: c.watermarks.metric,
        intervalUs: c.watermarks.intervalUs,
        high: c.watermarks.highPermil,
        mid: c.watermarks.midPermil,
        low: c.watermarks.lowPermil,
      },
      targetNid: c.targetNid ?? -1,
      dests: c.dests,
      filters: c.filters.map((f, j) => filterOf(f, `${at}.filters[${j}]`)),
    });
  });
}
