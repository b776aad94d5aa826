/**
 * The compact one-line scheme form of `damon-ts run --scheme` (docs/damos.md):
 *
 *   ACTION [key=value ...]
 *
 * e.g. `pageout nr=0..0 age=5s.. quota=10ms/128MiB/1s goal=some_mem_psi_us:1000`.
 * It builds the same `SchemeConfig` a kdamonds file does (kernel units), so the
 * two paths share validation and conversion.
 */
import { defaultScheme } from "../config/kdamonds.js";
import {
  ACTIONS,
  FILTER_TYPES,
  GOAL_METRICS,
  GOAL_TUNERS,
  WMARK_METRICS,
  type DamosAction,
  type FilterConfig,
  type FilterType,
  type GoalMetric,
  type IntervalsConfig,
  type Range,
  type SchemeConfig,
} from "../config/kdamonds-types.js";
import { ConfigError } from "../util/errors.js";
import { parseCount, parseDurationUs, parseSizeBytes } from "../util/units.js";

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

/** `MIN..MAX` with either side optional (open = 0 / unlimited). */
function range(v: string, where: string, one: (x: string) => number): Range {
  const m = /^([^.]*)\.\.([^.]*)$/.exec(v);
  if (!m) throw new ConfigError(`'${v}' is not a range MIN..MAX (either side may be empty)`, where);
  const min = m[1] === "" ? 0 : one(m[1]);
  const max = m[2] === "" ? Infinity : one(m[2]);
  if (min > max) throw new ConfigError(`min ${m[1]} is above max ${m[2]}`, where);
  return { min, max };
}

function int(v: string, where: string): number {
  try {
    return parseCount(v, where);
  } catch {
    throw new ConfigError(`'${v}' is not a non-negative integer`, where);
  }
}

function wrap<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(e instanceof Error ? e.message.replace(/^[^:]*: /, "") : String(e), where);
  }
}

function parseFilter(v: string, where: string): FilterConfig {
  const m = /^(allow|reject):(!?)([a-z_]+)(?:=(.*))?$/.exec(v);
  if (!m)
    throw new ConfigError(`'${v}' is not a filter (allow|reject):[!]TYPE[=ARG], e.g. reject:young`, where);
  const type = oneOf<FilterType>(m[3], FILTER_TYPES, where, "filter type");
  const f: FilterConfig = {
    type,
    matching: m[2] === "",
    allow: m[1] === "allow",
    memcgPath: null,
    addressRange: null,
    targetIdx: null,
    hugepageSize: null,
  };
  const arg = m[4];
  const need = (what: string): string => {
    if (arg === undefined || arg === "") throw new ConfigError(`a ${type} filter needs =${what}`, where);
    return arg;
  };
  if (type === "memcg") f.memcgPath = need("PATH");
  else if (type === "target") f.targetIdx = int(need("INDEX"), where);
  else if (type === "addr") {
    const r = /^(.+)-(.+)$/.exec(need("START-END"));
    if (!r) throw new ConfigError(`'${arg}' is not START-END`, where);
    const start = wrap(where, () => parseSizeBytes(r[1], where));
    const end = wrap(where, () => parseSizeBytes(r[2], where));
    if (start >= end) throw new ConfigError("addr filter start must be below end", where);
    f.addressRange = { start, end };
  } else if (type === "hugepage_size") {
    const r = /^(.+)-(.+)$/.exec(need("MIN-MAX"));
    if (!r) throw new ConfigError(`'${arg}' is not MIN-MAX`, where);
    f.hugepageSize = {
      min: wrap(where, () => parseSizeBytes(r[1], where)),
      max: wrap(where, () => parseSizeBytes(r[2], where)),
    };
  } else if (arg !== undefined) throw new ConfigError(`a ${type} filter takes no argument`, where);
  return f;
}

/** Parses one compact scheme; `intervals` converts percents and times to kernel units. */
export function parseCompactScheme(
  text: string,
  intervals: IntervalsConfig,
  field = "--scheme",
): SchemeConfig {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  if (words.length === 0)
    throw new ConfigError("empty scheme (give an action, e.g. 'pageout age=5s..')", field);
  const action = oneOf<DamosAction>(words[0], ACTIONS, `${field}: action`, "DAMOS action");
  const s = defaultScheme(action);
  const maxNr = Math.max(1, Math.floor(intervals.aggrUs / intervals.sampleUs));
  for (const w of words.slice(1)) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new ConfigError(`'${w}' is not key=value (keys: ${COMPACT_KEYS.join(", ")})`, field);
    const key = oneOf(w.slice(0, eq), COMPACT_KEYS, `${field}: ${w}`, "scheme key");
    const v = w.slice(eq + 1);
    const where = `${field}: ${key}`;
    switch (key) {
      case "sz":
        s.accessPattern.szBytes = range(v, where, (x) => wrap(where, () => parseSizeBytes(x, where)));
        break;
      case "nr": {
        const pct = v.includes("%");
        const r = range(v.replace(/%/g, ""), where, (x) => {
          const n = Number(x);
          if (!(n >= 0)) throw new ConfigError(`'${x}' is not a number`, where);
          return n;
        });
        if (pct) {
          s.accessPattern.nrAccessesPercent = r;
          r.min = Math.ceil((r.min * maxNr) / 100);
          r.max = r.max === Infinity ? Infinity : Math.floor((r.max * maxNr) / 100);
        } else if (!Number.isInteger(r.min) || !(Number.isInteger(r.max) || r.max === Infinity)) {
          throw new ConfigError("nr_accesses in samples must be integers (or give percents: 0%..5%)", where);
        }
        s.accessPattern.nrAccesses = r;
        break;
      }
      case "age": {
        // A bare number is in aggregation intervals; a time is converted.
        const asTime = /[a-z]/i.test(v);
        const r = range(v, where, (x) =>
          asTime ? wrap(where, () => parseDurationUs(x, where)) : int(x, where),
        );
        if (asTime) {
          s.accessPattern.ageUs = { ...r };
          r.min = Math.floor(r.min / intervals.aggrUs);
          r.max = r.max === Infinity ? Infinity : Math.floor(r.max / intervals.aggrUs);
        }
        s.accessPattern.age = r;
        break;
      }
      case "apply":
        s.applyIntervalUs = wrap(where, () => parseDurationUs(v, where));
        break;
      case "quota": {
        const parts = v.split("/");
        if (parts.length > 3) throw new ConfigError("quota is TIME/SIZE/RESET (e.g. 10ms/128MiB/1s)", where);
        const [t, sz, reset] = parts;
        if (t) s.quotas.timeMs = t === "0" ? 0 : wrap(where, () => parseDurationUs(t, where)) / 1000;
        if (sz) s.quotas.szBytes = wrap(where, () => parseSizeBytes(sz, where));
        if (reset) s.quotas.resetIntervalMs = wrap(where, () => parseDurationUs(reset, where)) / 1000;
        break;
      }
      case "weights": {
        const ws = v.split("/").map((x) => int(x, where));
        if (ws.length !== 3)
          throw new ConfigError("weights is SZ/NR/AGE in permil (e.g. 0/1000/1000)", where);
        s.quotas.weights = { szPermil: ws[0], nrAccessesPermil: ws[1], agePermil: ws[2] };
        break;
      }
      case "goal": {
        const m = /^([a-z_]+):([0-9]+)(?:@([0-9]+))?(?::(\/.*))?$/.exec(v);
        if (!m) throw new ConfigError(`'${v}' is not METRIC:TARGET[@NID][:MEMCG_PATH]`, where);
        const metric = oneOf<GoalMetric>(m[1], GOAL_METRICS, where, "goal metric");
        const nodeMetric = metric.startsWith("node_");
        if (nodeMetric && m[3] === undefined)
          throw new ConfigError(`${metric} needs a node: ${metric}:TARGET@NID`, where);
        if (metric.startsWith("node_memcg") && m[4] === undefined)
          throw new ConfigError(`${metric} needs a memcg path: ${metric}:TARGET@NID:/PATH`, where);
        s.quotas.goals.push({
          metric,
          targetValue: Number(m[2]),
          currentValue: 0,
          nid: m[3] === undefined ? null : Number(m[3]),
          memcgPath: m[4] ?? null,
        });
        break;
      }
      case "tuner":
        s.quotas.goalTuner = oneOf(v, GOAL_TUNERS, where, "goal tuner");
        break;
      case "wmarks": {
        const p = v.split("/");
        if (p.length !== 5)
          throw new ConfigError(
            "wmarks is METRIC/INTERVAL/HIGH/MID/LOW (e.g. free_mem_rate/5s/500/400/200)",
            where,
          );
        const high = int(p[2], where);
        const mid = int(p[3], where);
        const low = int(p[4], where);
        if (!(high >= mid && mid >= low)) throw new ConfigError("watermarks need high >= mid >= low", where);
        s.watermarks = {
          metric: oneOf(p[0], WMARK_METRICS, where, "watermark metric"),
          intervalUs: wrap(where, () => parseDurationUs(p[1], where)),
          highPermil: high,
          midPermil: mid,
          lowPermil: low,
        };
        break;
      }
      case "target":
        s.targetNid = int(v, where);
        break;
      case "dests":
        s.dests = v.split(",").map((d) => {
          const m = /^([0-9]+):([0-9]+)$/.exec(d);
          if (!m) throw new ConfigError(`'${d}' is not NID:WEIGHT`, where);
          return { nid: Number(m[1]), weight: Number(m[2]) };
        });
        break;
      case "filter":
        s.filters.push(parseFilter(v, where));
        break;
    }
  }
  if ((action === "migrate_hot" || action === "migrate_cold") && s.targetNid === null && s.dests.length === 0)
    throw new ConfigError(`${action} needs target=NID or dests=NID:W,...`, field);
  return s;
}
