/**
 * The compact one-line scheme form of `damon-ts run --scheme` (docs/damos.md):
 *
 *   ACTION [key=value ...]
 *
 * e.g. `pageout nr=0..0 age=5s.. quota=10ms/128MiB/1s goal=some_mem_psi_us:1000`.
 * It builds the same `SchemeConfig` a kdamonds file does (kernel units), so the
 * two paths share validation and conversion.
 */
import { parseScheme } from "../config/kdamonds.js";
import type { IntervalsConfig, SchemeConfig } from "../config/kdamonds-types.js";
import {
  DAMOS_ACTIONS,
  FILTER_TYPES,
  GOAL_TUNERS,
  isMigrateAction,
  QUOTA_GOAL_METRICS,
  WMARK_METRICS,
  type DamosAction,
  type FilterType,
  type QuotaGoalMetric,
} from "./types.js";
import { ConfigError } from "../util/errors.js";

export const COMPACT_KEYS = [
  "sz",
  "nr",
  "age",
  "apply",
  "quota",
  "weights",
  "goal",
  "tuner",
  "wmarks",
  "target",
  "dests",
  "filter",
] as const;

function oneOf<T extends string>(v: string, allowed: readonly T[], where: string, what: string): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new ConfigError(`'${v}' is not a ${what} (allowed: ${allowed.join(", ")})`, where);
  return v as T;
}

/** Keys that may be given more than once (each adds one). */
const REPEATABLE = new Set<string>(["goal", "filter"]);

/** `MIN..MAX` with either side optional (open = the field's default: 0 / unlimited). */
function range(v: string, where: string, unit: (x: string) => string = (x) => x): Record<string, string> {
  const at = v.indexOf("..");
  if (at < 0 || v.includes("..", at + 1))
    throw new ConfigError(`'${v}' is not a range MIN..MAX (either side may be empty)`, where);
  const out: Record<string, string> = {};
  const min = v.slice(0, at);
  const max = v.slice(at + 2);
  if (min !== "") out.min = unit(min);
  if (max !== "") out.max = unit(max);
  return out;
}

/** `(allow|reject):[!]TYPE[=ARG]` → a damo filter object. */
function filterObject(v: string, where: string): Record<string, unknown> {
  const m = /^(allow|reject):(!?)([a-z_]+)(?:=(.*))?$/.exec(v);
  if (!m)
    throw new ConfigError(`'${v}' is not a filter (allow|reject):[!]TYPE[=ARG], e.g. reject:young`, where);
  const type = oneOf<FilterType>(m[3], FILTER_TYPES, where, "filter type");
  const f: Record<string, unknown> = { filter_type: type, matching: m[2] === "", allow: m[1] === "allow" };
  const arg = m[4];
  const need = (what: string): string => {
    if (arg === undefined || arg === "") throw new ConfigError(`a ${type} filter needs =${what}`, where);
    return arg;
  };
  const pair = (what: string): [string, string] => {
    const r = /^(.+)-(.+)$/.exec(need(what));
    if (!r) throw new ConfigError(`'${arg}' is not ${what}`, where);
    return [r[1], r[2]];
  };
  if (type === "memcg") f.memcg_path = need("PATH");
  else if (type === "target") f.damon_target_idx = need("INDEX");
  else if (type === "addr") {
    const [start, end] = pair("START-END");
    f.address_range = { start, end };
  } else if (type === "hugepage_size") f.hugepage_size = pair("MIN-MAX");
  else if (type === "probe_hits_wsum") {
    const [min, max] = pair("MIN-MAX");
    f.probe_hits_wsum = { min, max };
  } else if (arg !== undefined) throw new ConfigError(`a ${type} filter takes no argument`, where);
  return f;
}

/**
 * Turns the compact form into damo's scheme object (kdamonds file form); every
 * value stays the text the user gave, so the kdamonds parser reads and checks it.
 */
export function compactToDamo(text: string, field = "--scheme"): Record<string, unknown> {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  if (words.length === 0)
    throw new ConfigError("empty scheme (give an action, e.g. 'pageout age=5s..')", field);
  const action = oneOf<DamosAction>(words[0], DAMOS_ACTIONS, `${field}: action`, "DAMOS action");
  const o: Record<string, unknown> = { action };
  const ap: Record<string, unknown> = {};
  const quotas: Record<string, unknown> = {};
  const goals: Record<string, unknown>[] = [];
  const filters: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const w of words.slice(1)) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new ConfigError(`'${w}' is not key=value (keys: ${COMPACT_KEYS.join(", ")})`, field);
    const key = oneOf(w.slice(0, eq), COMPACT_KEYS, `${field}: ${w}`, "scheme key");
    const where = `${field}: ${key}`;
    if (seen.has(key) && !REPEATABLE.has(key)) throw new ConfigError(`given twice`, where);
    seen.add(key);
    const v = w.slice(eq + 1);
    switch (key) {
      case "sz":
        ap.sz_bytes = range(v, where);
        break;
      case "nr": {
        const pct = v.includes("%");
        ap.nr_accesses = range(v, where, (x) => {
          if (x === "max" || x === "min") return x;
          const bare = x.endsWith("%") ? x.slice(0, -1) : x;
          return pct ? `${bare} %` : `${bare} samples`;
        });
        break;
      }
      case "age":
        // A bare number is in aggregation intervals; a time is a time.
        ap.age = range(v, where, (x) => (/^[0-9,]+$/.test(x) ? `${x} aggr_intervals` : x));
        break;
      case "apply":
        o.apply_interval_us = v;
        break;
      case "quota": {
        const parts = v.split("/");
        if (parts.length > 3) throw new ConfigError("quota is TIME/SIZE/RESET (e.g. 10ms/128MiB/1s)", where);
        const [t, sz, reset] = parts;
        if (t) quotas.time_ms = t;
        if (sz) quotas.sz_bytes = sz;
        if (reset) quotas.reset_interval_ms = reset;
        break;
      }
      case "weights": {
        const ws = v.split("/");
        if (ws.length !== 3)
          throw new ConfigError("weights is SZ/NR/AGE in permil (e.g. 0/1000/1000)", where);
        quotas.weights = { sz_permil: ws[0], nr_accesses_permil: ws[1], age_permil: ws[2] };
        break;
      }
      case "goal": {
        const m = /^([a-z_]+):([^@:]+)(?:@([^:]+))?(?::(\/.*))?$/.exec(v);
        if (!m) throw new ConfigError(`'${v}' is not METRIC:TARGET[@NID][:MEMCG_PATH]`, where);
        const metric = oneOf<QuotaGoalMetric>(m[1], QUOTA_GOAL_METRICS, where, "goal metric");
        if (metric.startsWith("node_") && m[3] === undefined)
          throw new ConfigError(`${metric} needs a node: ${metric}:TARGET@NID`, where);
        goals.push({ metric, target_value: m[2], nid: m[3] ?? null, memcg_path: m[4] ?? null });
        break;
      }
      case "tuner":
        quotas.goal_tuner = oneOf(v, GOAL_TUNERS, where, "goal tuner");
        break;
      case "wmarks": {
        const p = v.split("/");
        if (p.length !== 5)
          throw new ConfigError(
            "wmarks is METRIC/INTERVAL/HIGH/MID/LOW (e.g. free_mem_rate/5s/500/400/200)",
            where,
          );
        o.watermarks = {
          metric: oneOf(p[0], WMARK_METRICS, where, "watermark metric"),
          interval_us: p[1],
          high_permil: p[2],
          mid_permil: p[3],
          low_permil: p[4],
        };
        break;
      }
      case "target":
        o.target_nid = v;
        break;
      case "dests":
        o.dests = v.split(",").map((d) => {
          const m = /^([^:]+):([^:]+)$/.exec(d);
          if (!m) throw new ConfigError(`'${d}' is not NID:WEIGHT`, where);
          return { id: m[1], weight: m[2] };
        });
        break;
      case "filter":
        filters.push(filterObject(v, where));
        break;
    }
  }
  if (Object.keys(ap).length > 0) o.access_pattern = ap;
  if (goals.length > 0) quotas.goals = goals;
  if (Object.keys(quotas).length > 0) o.quotas = quotas;
  if (filters.length > 0) o.filters = filters;
  return o;
}

/**
 * Parses one compact scheme; `intervals` converts percents and times to kernel units.
 * The values are read and checked by the kdamonds file parser (parseScheme), so a
 * value is accepted here exactly when the same field of a kdamonds file accepts it.
 */
export function parseCompactScheme(
  text: string,
  intervals: IntervalsConfig,
  field = "--scheme",
): SchemeConfig {
  const s = parseScheme(compactToDamo(text, field), intervals, field);
  if (isMigrateAction(s.action) && s.targetNid === null && s.dests.length === 0)
    throw new ConfigError(`${s.action} needs target=NID or dests=NID:W,...`, field);
  return s;
}
