/**
 * From the schema-checked raw kdamonds objects (damo's keys, human units) to the typed
 * configuration in kernel units: defaults filled, percent and time ranges converted to
 * samples and aggregation intervals, each inconsistent value a ConfigError naming its field.
 */
import { isMigrateAction } from "../schemes/types.js";
import { fail, type Path } from "./field-error.js";
import { UNLIMITED } from "./human-format.js";
import type { RawContext, RawScheme } from "./kdamonds-schema.js";
import { DEFAULT_INTERVALS, defaultScheme } from "./kdamonds-defaults.js";
import type {
  AccessPatternConfig,
  ContextConfig,
  FilterConfig,
  IntervalsConfig,
  QuotaGoalConfig,
  SchemeConfig,
} from "./kdamonds-types.js";
import { probesFromRaw } from "./probes.js";

function maxSamples(iv: IntervalsConfig): number {
  return Math.max(1, Math.floor(iv.aggrUs / Math.max(1, iv.sampleUs)));
}

type Tagged<U> = { unit: U | "either"; value: number };

function pickUnit<U extends string>(
  min: Tagged<U> | undefined,
  max: Tagged<U> | undefined,
  fallback: U,
  file: string | undefined,
  path: Path,
): U {
  const a = min && min.unit !== "either" ? min.unit : undefined;
  const b = max && max.unit !== "either" ? max.unit : undefined;
  if (a && b && a !== b) fail(file, path, `min is in ${a} but max is in ${b}; use one unit for both`);
  return a ?? b ?? fallback;
}

function buildAccessPattern(
  raw: RawScheme["access_pattern"],
  iv: IntervalsConfig,
  file: string | undefined,
  path: Path,
): AccessPatternConfig {
  const sz = { min: raw?.sz_bytes?.min ?? 0, max: raw?.sz_bytes?.max ?? UNLIMITED };

  const nrMin = raw?.nr_accesses?.min;
  const nrMax = raw?.nr_accesses?.max;
  const nrUnit = pickUnit(nrMin, nrMax, "percent", file, [...path, "nr_accesses"]);
  const nrGiven = { min: nrMin?.value ?? 0, max: nrMax?.value ?? UNLIMITED };
  const ms = maxSamples(iv);
  // damo truncates percent → samples; the epsilon keeps 35% of 20 = 7 from becoming 6.999…
  const toSamples = (pct: number) => (pct === UNLIMITED ? UNLIMITED : Math.floor((pct * ms) / 100 + 1e-9));
  const nrAccesses =
    nrUnit === "percent" ? { min: toSamples(nrGiven.min), max: toSamples(nrGiven.max) } : { ...nrGiven };

  const ageMin = raw?.age?.min;
  const ageMax = raw?.age?.max;
  const ageUnit = pickUnit(ageMin, ageMax, "us", file, [...path, "age"]);
  const ageGiven = { min: ageMin?.value ?? 0, max: ageMax?.value ?? UNLIMITED };
  const toAggrs = (v: number) => (v === UNLIMITED ? UNLIMITED : Math.floor(v / iv.aggrUs));
  const age = ageUnit === "us" ? { min: toAggrs(ageGiven.min), max: toAggrs(ageGiven.max) } : { ...ageGiven };

  for (const [name, r] of [
    ["sz_bytes", sz],
    ["nr_accesses", nrGiven],
    ["age", ageGiven],
  ] as const) {
    if (r.min > r.max) fail(file, [...path, name], `min (${r.min}) is larger than max (${r.max})`);
  }
  if (nrUnit === "percent")
    for (const b of ["min", "max"] as const)
      if (nrGiven[b] > 100 && nrGiven[b] !== UNLIMITED)
        fail(file, [...path, "nr_accesses", b], `${nrGiven[b]} % is above 100 %`);
  return {
    szBytes: sz,
    nrAccesses,
    age,
    nrAccessesPercent: nrUnit === "percent" ? nrGiven : null,
    ageUs: ageUnit === "us" ? ageGiven : null,
  };
}

const NODE_METRICS = new Set(["node_mem_used_bp", "node_mem_free_bp", "node_eligible_mem_bp"]);
const MEMCG_METRICS = new Set(["node_memcg_used_bp", "node_memcg_free_bp"]);

function buildGoal(
  raw: NonNullable<NonNullable<RawScheme["quotas"]>["goals"]>[number],
  file: string | undefined,
  path: Path,
): QuotaGoalConfig {
  const goal: QuotaGoalConfig = {
    metric: raw.metric ?? "user_input",
    nid: raw.nid ?? null,
    memcgPath: raw.memcg_path ?? null,
    targetValue: raw.target_value,
    currentValue: raw.current_value ?? 0,
  };
  if (goal.targetValue === 0) fail(file, [...path, "target_value"], "must not be 0 (the kernel rejects it)");
  if ((NODE_METRICS.has(goal.metric) || MEMCG_METRICS.has(goal.metric)) && goal.nid === null)
    fail(file, [...path, "nid"], `metric ${goal.metric} needs a node id`);
  if (MEMCG_METRICS.has(goal.metric) && !goal.memcgPath)
    fail(file, [...path, "memcg_path"], `metric ${goal.metric} needs a memcg path`);
  return goal;
}

function buildFilter(
  raw: NonNullable<RawScheme["filters"]>[number],
  file: string | undefined,
  path: Path,
): FilterConfig {
  const hp = raw.hugepage_size ?? null;
  const f: FilterConfig = {
    type: raw.filter_type,
    matching: raw.matching ?? false,
    allow: raw.allow ?? raw.filter_pass ?? false,
    memcgPath: raw.memcg_path ?? null,
    addressRange: raw.address_range ?? null,
    targetIdx: raw.damon_target_idx ?? null,
    hugepageSize: hp === null ? null : Array.isArray(hp) ? { min: hp[0], max: hp[1] } : hp,
    probeHitsWsum: raw.probe_hits_wsum ?? null,
  };
  const ws = f.probeHitsWsum;
  if (f.type === "probe_hits_wsum" && (!ws || ws.min > ws.max))
    fail(file, [...path, "probe_hits_wsum"], "a probe_hits_wsum filter needs {min, max} with min <= max");
  if (f.type === "memcg" && !f.memcgPath)
    fail(file, [...path, "memcg_path"], "a memcg filter needs memcg_path");
  if (f.type === "addr") {
    if (!f.addressRange)
      fail(file, [...path, "address_range"], "an addr filter needs address_range {start, end}");
    if (f.addressRange.start > f.addressRange.end)
      fail(file, [...path, "address_range"], "start is larger than end (the kernel rejects it)");
  }
  if (f.type === "target" && f.targetIdx === null)
    fail(file, [...path, "damon_target_idx"], "a target filter needs damon_target_idx");
  if (f.type === "hugepage_size") {
    if (!f.hugepageSize) fail(file, [...path, "hugepage_size"], "a hugepage_size filter needs [min, max]");
    if (f.hugepageSize.min > f.hugepageSize.max)
      fail(file, [...path, "hugepage_size"], "min is larger than max (the kernel rejects it)");
  }
  return f;
}

export function buildScheme(
  raw: RawScheme,
  iv: IntervalsConfig,
  file: string | undefined,
  path: Path,
): SchemeConfig {
  const d = defaultScheme(raw.action ?? "stat");
  const q = raw.quotas;
  const w = raw.watermarks;
  if (
    w?.metric !== undefined &&
    w.metric !== "none" &&
    !((w.high_permil ?? 0) >= (w.mid_permil ?? 0) && (w.mid_permil ?? 0) >= (w.low_permil ?? 0))
  )
    fail(file, [...path, "watermarks"], "watermarks need high >= mid >= low");
  return {
    action: d.action,
    dests: (raw.dests ?? []).map((x) => ({ nid: x.id, weight: x.weight })),
    targetNid: isMigrateAction(d.action) ? (raw.target_nid ?? null) : null,
    accessPattern: buildAccessPattern(raw.access_pattern, iv, file, [...path, "access_pattern"]),
    applyIntervalUs: raw.apply_interval_us ?? 0,
    quotas: {
      timeMs: q?.time_ms ?? 0,
      szBytes: q?.sz_bytes ?? 0,
      resetIntervalMs: q?.reset_interval_ms ?? UNLIMITED,
      failChargeNum: q?.fail_charge_num ?? 0,
      failChargeDenom: q?.fail_charge_denom ?? 0,
      goals: (q?.goals ?? []).map((g, i) => buildGoal(g, file, [...path, "quotas", "goals", i])),
      goalTuner: q?.goal_tuner ?? "consist",
      effectiveSzBytes: q?.effective_sz_bytes ?? 0,
      weights: {
        szPermil: q?.weights?.sz_permil ?? 0,
        nrAccessesPermil: q?.weights?.nr_accesses_permil ?? 0,
        agePermil: q?.weights?.age_permil ?? 0,
      },
    },
    watermarks: {
      metric: w?.metric ?? "none",
      intervalUs: w?.interval_us ?? 0,
      highPermil: w?.high_permil ?? 0,
      midPermil: w?.mid_permil ?? 0,
      lowPermil: w?.low_permil ?? 0,
    },
    filters: (raw.filters ?? []).map((f, i) => buildFilter(f, file, [...path, "filters", i])),
  };
}

export function buildContext(raw: RawContext, file: string | undefined, path: Path): ContextConfig {
  const ri = raw.intervals;
  const g = ri?.intervals_goal;
  const intervals: IntervalsConfig = {
    sampleUs: ri?.sample_us ?? DEFAULT_INTERVALS.sampleUs,
    aggrUs: ri?.aggr_us ?? DEFAULT_INTERVALS.aggrUs,
    updateUs: ri?.ops_update_us ?? DEFAULT_INTERVALS.updateUs,
    goal: {
      accessBp: g?.access_bp ?? 0,
      aggrs: g?.aggrs ?? 0,
      minSampleUs: g?.min_sample_us ?? 0,
      maxSampleUs: g?.max_sample_us ?? 0,
    },
  };
  const pc = raw.sample_control?.primitives_enabled;
  const ctx: ContextConfig = {
    ops: raw.ops,
    addrUnit: raw.addr_unit ?? 1,
    targets: raw.targets.map((t) => ({ pid: t.pid, obsolete: t.obsolete ?? false, regions: t.regions })),
    intervals,
    nrRegions: { min: raw.nr_regions?.min ?? 10, max: raw.nr_regions?.max ?? 1000 },
    probes: probesFromRaw(raw.probes ?? []),
    sampleControl: {
      primitivesEnabled: { pageTable: pc?.page_table ?? true, pageFault: pc?.page_fault ?? false },
      sampleFilters: (raw.sample_control?.sample_filters ?? []).map((f, fi) => ({
        type: f.filter_type,
        matching: f.matching ?? false,
        allow: f.allow ?? false,
        cpumask: f.cpumask ?? null,
        ...tidArrOf(f.tid_arr, file, [...path, "sample_control", "sample_filters", fi, "tid_arr"]),
      })),
    },
    pause: raw.pause ?? false,
    schemes: (raw.schemes ?? []).map((s, i) => buildScheme(s, intervals, file, [...path, "schemes", i])),
  };
  return ctx;
}

/** `tid_arr` as a list or as damo 3.3's kernel text ("1234,1235", also space-separated). */
function tidArrOf(
  v: number[] | string | null | undefined,
  file: string | undefined,
  path: Path,
): { tidArr: number[] | null; tidArrText?: boolean } {
  if (typeof v !== "string") return { tidArr: v ?? null };
  const words = v.split(/[\s,]+/).filter((w) => w !== "");
  if (!words.every((w) => /^\d+$/.test(w))) fail(file, path, `'${v}' is not a list of thread ids`);
  return { tidArr: words.map(Number), tidArrText: true };
}
