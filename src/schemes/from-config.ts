/**
 * From the kdamonds configuration (src/config, kernel units) to runtime schemes:
 * `SchemeConfig` → `Scheme`. Memory cgroup paths become ids through the memory
 * system's cgroups; a path that does not exist is a configuration error naming
 * the field.
 */
import type { SchemeConfig } from "../config/kdamonds-types.js";
import { UINT_MAX } from "../core/arith.js";
import { ConfigError } from "../util/errors.js";
import { newScheme } from "./scheme.js";
import { isMigrateAction, type DamosFilter, type QuotaGoal, type Scheme } from "./types.js";

/** Maps a memcg path to its id, or -1 when there is no such cgroup. */
export type MemcgResolver = (path: string) => number;

function finite(x: number, cap: number): number {
  return Number.isFinite(x) ? Math.min(x, cap) : cap;
}

function memcgIdOf(path: string | null, resolve: MemcgResolver | undefined, where: string): number {
  if (path === null || path === "") throw new ConfigError("a memcg path is required (e.g. /workload)", where);
  const id = resolve ? resolve(path) : path === "/" ? 1 : -1;
  if (id < 0) throw new ConfigError(`no memory cgroup '${path}' on this machine`, where);
  return id;
}

/** One scheme; `where` prefixes error field paths (e.g. `kdamonds[0].contexts[0].schemes[1]`). */
export function schemeFromConfig(c: SchemeConfig, resolveMemcg?: MemcgResolver, where = "scheme"): Scheme {
  const p = c.accessPattern;
  const goals: QuotaGoal[] = c.quotas.goals.map((g, i) => {
    const memcg = g.metric === "node_memcg_used_bp" || g.metric === "node_memcg_free_bp";
    return {
      metric: g.metric,
      targetValue: g.targetValue,
      currentValue: g.currentValue,
      nid: g.nid ?? -1,
      memcgId: memcg ? memcgIdOf(g.memcgPath, resolveMemcg, `${where}.quotas.goals[${i}].memcg_path`) : 0,
      complement: false,
      lastPsiTotal: null,
    };
  });
  const filters: DamosFilter[] = c.filters.map((f, i) => {
    const out: DamosFilter = { type: f.type, matching: f.matching, allow: f.allow };
    const fw = `${where}.filters[${i}]`;
    if (f.type === "addr") {
      if (!f.addressRange) throw new ConfigError("an addr filter needs address_range", `${fw}.address_range`);
      out.addrStart = f.addressRange.start;
      out.addrEnd = f.addressRange.end;
    } else if (f.type === "target") {
      if (f.targetIdx === null) throw new ConfigError("a target filter needs target_idx", `${fw}.target_idx`);
      out.targetIdx = f.targetIdx;
    } else if (f.type === "memcg") {
      out.memcgId = memcgIdOf(f.memcgPath, resolveMemcg, `${fw}.memcg_path`);
    } else if (f.type === "hugepage_size") {
      if (!f.hugepageSize)
        throw new ConfigError("a hugepage_size filter needs hugepage_size", `${fw}.hugepage_size`);
      out.minSz = f.hugepageSize.min;
      out.maxSz = finite(f.hugepageSize.max, Number.MAX_SAFE_INTEGER);
    } else if (f.type === "probe_hits_wsum") {
      if (!f.probeHitsWsum)
        throw new ConfigError("a probe_hits_wsum filter needs probe_hits_wsum", `${fw}.probe_hits_wsum`);
      out.wsumMin = f.probeHitsWsum.min;
      out.wsumMax = finite(f.probeHitsWsum.max, Number.MAX_SAFE_INTEGER);
    }
    return out;
  });
  if (isMigrateAction(c.action) && c.targetNid === null && c.dests.length === 0)
    throw new ConfigError(`${c.action} needs target_nid or dests`, `${where}.target_nid`);
  const w = c.watermarks;
  return newScheme({
    action: c.action,
    pattern: {
      minSzRegion: p.szBytes.min,
      maxSzRegion: finite(p.szBytes.max, Number.MAX_SAFE_INTEGER),
      minNrAccesses: p.nrAccesses.min,
      maxNrAccesses: finite(p.nrAccesses.max, UINT_MAX),
      minAge: p.age.min,
      maxAge: finite(p.age.max, UINT_MAX),
    },
    applyIntervalUs: c.applyIntervalUs,
    quota: {
      ms: c.quotas.timeMs,
      sz: finite(c.quotas.szBytes, Number.MAX_SAFE_INTEGER),
      resetIntervalMs: c.quotas.resetIntervalMs,
      weightSz: c.quotas.weights.szPermil,
      weightNrAccesses: c.quotas.weights.nrAccessesPermil,
      weightAge: c.quotas.weights.agePermil,
      goals,
      goalTuner: c.quotas.goalTuner,
      failChargeNum: c.quotas.failChargeNum,
      failChargeDenom: c.quotas.failChargeDenom,
    },
    wmarks: {
      metric: w.metric,
      intervalUs: w.intervalUs,
      high: w.highPermil,
      mid: w.midPermil,
      low: w.lowPermil,
    },
    targetNid: c.targetNid ?? -1,
    dests: c.dests,
    filters,
  });
}

export function schemesFromConfig(
  cs: SchemeConfig[],
  resolveMemcg?: MemcgResolver,
  where = "schemes",
): Scheme[] {
  return cs.map((c, i) => schemeFromConfig(c, resolveMemcg, `${where}[${i}]`));
}
