/**
 * Telling a kdamonds file that was cut short from a short hand-written one.
 *
 * damo (and damon-ts) write every key of every object, always in the same order
 * (formats.md §3.3). A file cut at a line boundary still parses, and every key after
 * the cut would be silently defaulted: a scheme cut inside `quotas` would run with
 * no watermarks and no filters. What such a file looks like: the objects on its
 * *last path* (the last key of the top object, the last element of each list, and
 * so on down) hold a proper prefix of the keys damo writes there, in damo's order,
 * while the file is in damo's full form: every object off the last path has every key
 * damo writes for it (and one of them has three or more keys, not just a min/max
 * pair). A hand-written file that leaves keys out anywhere before its end is not in
 * full form, so it is not mistaken for a cut one.
 */
import { ConfigError } from "../util/errors.js";

/** The keys damo writes in each object, in its order; `?` marks keys written only sometimes. */
const ORDER: Record<string, string[]> = {
  top: ["kdamonds"],
  kdamond: ["refresh_ms", "contexts"],
  context: [
    "ops",
    "addr_unit",
    "targets",
    "intervals",
    "nr_regions",
    "probes",
    "sample_control",
    "pause",
    "schemes",
  ],
  target: ["pid", "obsolete", "regions"],
  region: ["start", "end"],
  intervals: ["sample_us", "aggr_us", "ops_update_us", "intervals_goal"],
  intervals_goal: ["access_bp", "aggrs", "min_sample_us", "max_sample_us"],
  range: ["min", "max"],
  sample_control: ["primitives_enabled", "sample_filters"],
  primitives_enabled: ["page_table", "page_fault"],
  sample_filter: ["filter_type", "matching", "allow", "cpumask", "tid_arr"],
  scheme: [
    "action",
    "dests",
    "?target_nid",
    "access_pattern",
    "apply_interval_us",
    "quotas",
    "watermarks",
    "filters",
  ],
  dest: ["id", "weight"],
  access_pattern: ["sz_bytes", "nr_accesses", "age"],
  quotas: [
    "time_ms",
    "sz_bytes",
    "reset_interval_ms",
    "fail_charge_num",
    "fail_charge_denom",
    "goals",
    "goal_tuner",
    "effective_sz_bytes",
    "weights",
  ],
  goal: ["metric", "nid", "memcg_path", "target_value", "current_value"],
  weights: ["sz_permil", "nr_accesses_permil", "age_permil"],
  watermarks: ["metric", "interval_us", "high_permil", "mid_permil", "low_permil"],
  filter: [
    "filter_type",
    "matching",
    "allow",
    "memcg_path",
    "address_range",
    "damon_target_idx",
    "hugepage_size",
  ],
  address_range: ["start", "end"],
};

/** What kind of object the value of `key` inside a `parent` object is (lists: of their elements). */
const CHILD: Record<string, Record<string, string>> = {
  top: { kdamonds: "kdamond" },
  kdamond: { contexts: "context" },
  context: {
    targets: "target",
    intervals: "intervals",
    nr_regions: "range",
    sample_control: "sample_control",
    schemes: "scheme",
  },
  target: { regions: "region" },
  intervals: { intervals_goal: "intervals_goal" },
  sample_control: { primitives_enabled: "primitives_enabled", sample_filters: "sample_filter" },
  scheme: {
    dests: "dest",
    access_pattern: "access_pattern",
    quotas: "quotas",
    watermarks: "watermarks",
    filters: "filter",
  },
  access_pattern: { sz_bytes: "range", nr_accesses: "range", age: "range" },
  quotas: { goals: "goal", weights: "weights" },
  filter: { address_range: "address_range" },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

type Shape = "complete" | "prefix" | "other";

/** How an object's keys compare with damo's order for its kind. */
function shapeOf(kind: string, obj: Record<string, unknown>): Shape {
  const order = ORDER[kind];
  const keys = Object.keys(obj).filter((k) => order.includes(k) || order.includes(`?${k}`));
  let i = 0;
  for (const want of order) {
    const optional = want.startsWith("?");
    const name = optional ? want.slice(1) : want;
    if (keys[i] === name) i++;
    else if (!optional) return i === keys.length && i > 0 ? "prefix" : "other";
  }
  return i === keys.length ? "complete" : "other";
}

interface Walk {
  /** Some object has every key damo writes for it (three or more: not just a min/max pair). */
  fullForm: boolean;
  /** Some object off the last path lacks keys damo writes: a hand-written file, not a cut one. */
  partialOffPath: boolean;
  /** The first object on the last path that holds only a leading part of its keys. */
  cut: { path: string; missing: string } | null;
}

function walk(kind: string, v: unknown, path: string, onLastPath: boolean, w: Walk): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(kind, x, `${path}[${i}]`, onLastPath && i === v.length - 1, w));
    return;
  }
  if (!isObject(v) || ORDER[kind] === undefined) return;
  const shape = shapeOf(kind, v);
  const order = ORDER[kind].filter((k) => !k.startsWith("?"));
  if (shape === "complete" && order.length >= 3) w.fullForm = true;
  if (!onLastPath && shape !== "complete") w.partialOffPath = true;
  if (onLastPath && shape === "prefix" && w.cut === null) {
    const missing = order.filter((k) => !(k in v));
    w.cut = { path: path || "(top level)", missing: missing.join(", ") };
  }
  const keys = Object.keys(v);
  for (const [k, x] of Object.entries(v)) {
    const child = CHILD[kind]?.[k];
    if (child !== undefined)
      walk(child, x, path ? `${path}.${k}` : k, onLastPath && k === keys[keys.length - 1], w);
  }
}

/**
 * Throws a ConfigError when a decoded kdamonds document (`top`) or bare scheme list
 * (`scheme`) looks cut short (see the module comment).
 */
export function checkNotCut(data: unknown, kind: "top" | "scheme", file?: string): void {
  const w: Walk = { fullForm: false, partialOffPath: false, cut: null };
  walk(kind, data, "", true, w);
  if (w.fullForm && !w.partialOffPath && w.cut !== null)
    throw new ConfigError(
      `the file looks cut short: ${w.cut.path} ends before ${w.cut.missing} (damo writes every key; ` +
        "a file written in full that stops early would run with the rest defaulted)",
      file ? `${file}: ${w.cut.path}` : w.cut.path,
    );
}
