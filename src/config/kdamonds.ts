/**
 * Reading and writing damo's kdamonds configuration (formats.md §3) as JSON or YAML.
 * Parsing fills every default and converts to kernel units (kdamonds-types.ts);
 * writing produces damo's non-raw human form in damo's key order. Every invalid
 * value raises a ConfigError naming the field path (`kdamonds[0].contexts[0]...`)
 * and, for keywords, the allowed values.
 */
import { readFileSync } from "node:fs";
import * as YAML from "yaml";
import type * as z from "zod";
import { ConfigError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import {
  UNLIMITED,
  formatBp,
  formatCount,
  formatPercent,
  formatPermil,
  formatSize,
  formatTimeMs,
  formatTimeUs,
} from "./human-format.js";
import { checkNotCut } from "./cut-file.js";
import {
  rawKdamonds,
  rawScheme,
  rawSchemesList,
  type RawContext,
  type RawScheme,
} from "./kdamonds-schema.js";
import type {
  AccessPatternConfig,
  ContextConfig,
  FilterConfig,
  IntervalsConfig,
  KdamondsConfig,
  QuotaGoalConfig,
  Range,
  SchemeConfig,
} from "./kdamonds-types.js";
import { CORE_FILTER_TYPES } from "../schemes/types.js";
import { probesFromRaw, probesOut } from "./probes.js";
import { validateProbes } from "../core/probe.js";

export * from "./kdamonds-types.js";
export { UNLIMITED } from "./human-format.js";

// ---------------------------------------------------------------- errors

type Path = (string | number)[];

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(top level)" : out;
}

function where(file: string | undefined, path: readonly PropertyKey[]): string {
  return file ? `${file}: ${pathText(path)}` : pathText(path);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  const text = JSON.stringify(v);
  // a whole file read as one string must not be quoted in full: a short excerpt names it
  return text.length <= 40
    ? `${typeof v} ${text}`
    : `${typeof v} ${text.slice(0, 32)}…" (${text.length} chars)`;
}

/** Turns the first zod issue into one ConfigError with the field path and allowed values. */
function issueToError(issue: z.core.$ZodIssue, file: string | undefined): ConfigError {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined && issue.code !== "unrecognized_keys" && issue.code !== "custom") {
    const allowed =
      issue.code === "invalid_value"
        ? `; allowed values: ${issue.values.map((v) => String(v)).join(", ")}`
        : "";
    return new ConfigError(`required field is missing${allowed}`, where(file, issue.path));
  }
  switch (issue.code) {
    case "invalid_value":
      return new ConfigError(
        `${describe(input)} is not allowed; allowed values: ${issue.values.map((v) => String(v)).join(", ")}`,
        where(file, issue.path),
      );
    case "unrecognized_keys": {
      const key = issue.keys[0];
      return new ConfigError(
        `unknown key '${key}'${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(", ")})` : ""}`,
        where(file, [...issue.path, key]),
      );
    }
    case "invalid_type":
      if (input === undefined) return new ConfigError(`required field is missing`, where(file, issue.path));
      return new ConfigError(`expected ${issue.expected}, got ${describe(input)}`, where(file, issue.path));
    case "invalid_union": {
      // Report the most specific branch's problem if there is one, else the union's own message.
      const nested = issue.errors.flat().find((i) => i.code === "custom" || i.code === "invalid_value");
      if (nested) return issueToError({ ...nested, path: [...issue.path, ...nested.path] }, file);
      return new ConfigError(`${issue.message} (got ${describe(input)})`, where(file, issue.path));
    }
    default:
      return new ConfigError(issue.message, where(file, issue.path));
  }
}

function fail(file: string | undefined, path: Path, message: string): never {
  throw new ConfigError(message, where(file, path));
}

// ---------------------------------------------------------------- defaults

export const DEFAULT_INTERVALS: IntervalsConfig = Object.freeze({
  sampleUs: 5000,
  aggrUs: 100_000,
  updateUs: 1_000_000,
  goal: Object.freeze({ accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 }),
});

export const DEFAULT_NR_REGIONS: Range = Object.freeze({ min: 10, max: 1000 });

/** A `stat` scheme matching every region, no quota, watermarks or filters (damo's defaults). */
export function defaultScheme(action: SchemeConfig["action"] = "stat"): SchemeConfig {
  return {
    action,
    dests: [],
    targetNid: null,
    accessPattern: {
      szBytes: { min: 0, max: UNLIMITED },
      nrAccesses: { min: 0, max: UNLIMITED },
      age: { min: 0, max: UNLIMITED },
      nrAccessesPercent: { min: 0, max: UNLIMITED },
      ageUs: { min: 0, max: UNLIMITED },
    },
    applyIntervalUs: 0,
    quotas: {
      timeMs: 0,
      szBytes: 0,
      resetIntervalMs: UNLIMITED,
      failChargeNum: 0,
      failChargeDenom: 0,
      goals: [],
      goalTuner: "consist",
      effectiveSzBytes: 0,
      weights: { szPermil: 0, nrAccessesPermil: 0, agePermil: 0 },
    },
    watermarks: { metric: "none", intervalUs: 0, highPermil: 0, midPermil: 0, lowPermil: 0 },
    filters: [],
  };
}

/** Options for a one-context configuration built from command-line style options. */
export interface SimpleKdamondsOptions {
  ops?: ContextConfig["ops"];
  targetPid?: number | null;
  regions?: { start: number; end: number }[];
  sampleUs?: number;
  aggrUs?: number;
  updateUs?: number;
  minNrRegions?: number;
  maxNrRegions?: number;
  schemes?: SchemeConfig[];
}

/** One kdamond, one context, one target: the shape damo builds from its command-line options. */
export function simpleKdamonds(o: SimpleKdamondsOptions = {}): KdamondsConfig {
  const ops = o.ops ?? "vaddr";
  const config: KdamondsConfig = {
    kdamonds: [
      {
        refreshMs: 0,
        contexts: [
          {
            ops,
            addrUnit: 1,
            targets: [
              {
                pid: ops === "paddr" ? null : (o.targetPid ?? null),
                obsolete: false,
                regions: o.regions ?? [],
              },
            ],
            intervals: {
              sampleUs: o.sampleUs ?? DEFAULT_INTERVALS.sampleUs,
              aggrUs: o.aggrUs ?? DEFAULT_INTERVALS.aggrUs,
              updateUs: o.updateUs ?? DEFAULT_INTERVALS.updateUs,
              goal: { ...DEFAULT_INTERVALS.goal },
            },
            nrRegions: { min: o.minNrRegions ?? 10, max: o.maxNrRegions ?? 1000 },
            probes: [],
            sampleControl: { primitivesEnabled: { pageTable: true, pageFault: false }, sampleFilters: [] },
            pause: false,
            schemes: o.schemes ?? [],
          },
        ],
      },
    ],
  };
  validateKdamonds(config);
  return config;
}

// ---------------------------------------------------------------- building typed objects

const isMigrate = (a: string) => a === "migrate_hot" || a === "migrate_cold";

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

function buildScheme(
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
    targetNid: isMigrate(d.action) ? (raw.target_nid ?? null) : null,
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

function buildContext(raw: RawContext, file: string | undefined, path: Path): ContextConfig {
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

// ---------------------------------------------------------------- semantic checks

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

// ---------------------------------------------------------------- parsing entry points

/** Validates `data` against a zod schema; the first problem becomes a ConfigError naming the field. */
export function validate<T>(schema: z.ZodType<T>, data: unknown, file: string | undefined): T {
  const r = schema.safeParse(data, { reportInput: true });
  if (!r.success) throw issueToError(r.error.issues[0], file);
  return r.data;
}

/** Parses an already-decoded kdamonds object (`{"kdamonds": [...]}`). */
export function parseKdamonds(data: unknown, file?: string): KdamondsConfig {
  checkNotCut(data, "top", file);
  const raw = validate(rawKdamonds, data, file);
  const config: KdamondsConfig = {
    kdamonds: raw.kdamonds.map((k, ki) => ({
      refreshMs: k.refresh_ms ?? 0,
      contexts: k.contexts.map((c, ci) => buildContext(c, file, ["kdamonds", ki, "contexts", ci])),
    })),
  };
  validateKdamonds(config, file);
  return config;
}

/** Parses a bare list of scheme objects (damon-tests' `-c/--schemes` files) against given intervals. */
export function parseSchemes(
  data: unknown,
  intervals: IntervalsConfig = DEFAULT_INTERVALS,
  file?: string,
): SchemeConfig[] {
  checkNotCut(data, "scheme", file);
  const raw = validate(rawSchemesList, data, file);
  return raw.map((s, i) => buildScheme(s, intervals, file, [i]));
}

/**
 * Parses one scheme object (damo's form) against given intervals: the path the
 * compact `--scheme` form takes too, so both accept exactly the same values.
 */
export function parseScheme(data: unknown, intervals: IntervalsConfig, where: string): SchemeConfig {
  return buildScheme(validate(rawScheme, data, where), intervals, where, []);
}

/** Decodes JSON or YAML text (JSON when it starts with `{`/`[`, or the name ends in .json). */
export function decodeConfigText(text: string, file?: string): unknown {
  const json = file ? /\.json$/i.test(file) : /^\s*[[{]/.test(text);
  if (json || /^\s*[[{]/.test(text)) {
    try {
      const data = JSON.parse(text) as unknown;
      // JSON.parse keeps the last of duplicate keys silently; YAML (a superset) tells.
      const dup = YAML.parseDocument(text, { uniqueKeys: true }).errors.find(
        (e) => e.code === "DUPLICATE_KEY",
      );
      if (dup) {
        const line = text.slice(0, dup.pos[0]).split("\n").length;
        throw new ConfigError(
          `duplicate key: ${dup.message.split("\n")[0]}`,
          file ? `${file}:${line}` : `line ${line}`,
        );
      }
      return data;
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg);
      // Node 20 does not always say where; YAML (a superset of JSON) can.
      const yamlPos = pos ? undefined : YAML.parseDocument(text).errors[0]?.pos[0];
      const at = pos ? Number(pos[1]) : yamlPos;
      const line = at === undefined ? undefined : text.slice(0, at).split("\n").length;
      throw new ConfigError(`not valid JSON: ${msg}`, file ? `${file}${line ? `:${line}` : ""}` : undefined);
    }
  }
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = text.slice(0, err.pos[0]).split("\n").length;
    throw new ConfigError(
      `not valid YAML: ${err.message.split("\n")[0]}`,
      file ? `${file}:${line}` : `line ${line}`,
    );
  }
  return doc.toJS() as unknown;
}

/** Parses kdamonds JSON or YAML text. */
export function parseKdamondsText(text: string, file?: string): KdamondsConfig {
  return parseKdamonds(decodeConfigText(text, file), file);
}

/** Reads a kdamonds JSON or YAML file. */
export function readKdamondsFile(file: string): KdamondsConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
  return parseKdamondsText(text, file);
}

// ---------------------------------------------------------------- writing

function rangeOut(r: Range, fmt: (n: number) => string): { min: string; max: string } {
  return { min: fmt(r.min), max: fmt(r.max) };
}

function accessPatternOut(ap: AccessPatternConfig): Record<string, unknown> {
  const samples = (n: number) => (n === UNLIMITED ? "max" : `${n} samples`);
  const aggrs = (n: number) => (n === UNLIMITED ? "max" : `${n} aggr_intervals`);
  return {
    sz_bytes: rangeOut(ap.szBytes, formatSize),
    nr_accesses: ap.nrAccessesPercent
      ? rangeOut(ap.nrAccessesPercent, formatPercent)
      : rangeOut(ap.nrAccesses, samples),
    age: ap.ageUs ? rangeOut(ap.ageUs, formatTimeUs) : rangeOut(ap.age, aggrs),
  };
}

/** A field damo writes as a plain number; `max` when unlimited (JSON has no Infinity: it became null). */
function rawOrMax(n: number): number | string {
  return n === UNLIMITED ? "max" : n;
}

function schemeOut(s: SchemeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: s.action,
    dests: s.dests.map((d) => ({ id: d.nid, weight: rawOrMax(d.weight) })),
  };
  if (isMigrate(s.action)) out.target_nid = s.targetNid;
  const q = s.quotas;
  const w = s.watermarks;
  Object.assign(out, {
    access_pattern: accessPatternOut(s.accessPattern),
    apply_interval_us: formatTimeUs(s.applyIntervalUs),
    quotas: {
      time_ms: formatTimeMs(q.timeMs),
      sz_bytes: formatSize(q.szBytes),
      reset_interval_ms: formatTimeMs(q.resetIntervalMs),
      fail_charge_num: formatCount(q.failChargeNum),
      fail_charge_denom: formatCount(q.failChargeDenom),
      goals: q.goals.map((g) => ({
        metric: g.metric,
        nid: g.nid,
        memcg_path: g.memcgPath,
        target_value: formatCount(g.targetValue),
        current_value: formatCount(g.currentValue),
      })),
      goal_tuner: q.goalTuner,
      effective_sz_bytes: formatSize(q.effectiveSzBytes),
      weights: {
        sz_permil: formatPermil(q.weights.szPermil),
        nr_accesses_permil: formatPermil(q.weights.nrAccessesPermil),
        age_permil: formatPermil(q.weights.agePermil),
      },
    },
    watermarks: {
      metric: w.metric,
      interval_us: formatTimeUs(w.intervalUs),
      high_permil: formatPermil(w.highPermil),
      mid_permil: formatPermil(w.midPermil),
      low_permil: formatPermil(w.lowPermil),
    },
    filters: s.filters.map((f) => ({
      filter_type: f.type,
      matching: f.matching,
      allow: f.allow,
      memcg_path: f.memcgPath,
      address_range: f.addressRange
        ? { start: String(f.addressRange.start), end: String(f.addressRange.end) }
        : null,
      damon_target_idx: f.targetIdx,
      hugepage_size: f.hugepageSize ? [formatSize(f.hugepageSize.min), formatSize(f.hugepageSize.max)] : null,
      ...(f.probeHitsWsum ? { probe_hits_wsum: { ...f.probeHitsWsum } } : {}),
    })),
  });
  return out;
}

function contextOut(c: ContextConfig): Record<string, unknown> {
  const iv = c.intervals;
  return {
    ops: c.ops,
    addr_unit: formatSize(c.addrUnit),
    targets: c.targets.map((t) => ({
      pid: t.pid,
      obsolete: t.obsolete,
      regions: t.regions.map((r) => ({ start: String(r.start), end: String(r.end) })),
    })),
    intervals: {
      sample_us: formatTimeUs(iv.sampleUs),
      aggr_us: formatTimeUs(iv.aggrUs),
      ops_update_us: formatTimeUs(iv.updateUs),
      intervals_goal: {
        access_bp: formatBp(iv.goal.accessBp),
        aggrs: formatCount(iv.goal.aggrs),
        min_sample_us: formatTimeUs(iv.goal.minSampleUs),
        max_sample_us: formatTimeUs(iv.goal.maxSampleUs),
      },
    },
    nr_regions: rangeOut(c.nrRegions, formatCount),
    probes: probesOut(c.probes),
    sample_control: {
      primitives_enabled: {
        page_table: c.sampleControl.primitivesEnabled.pageTable,
        page_fault: c.sampleControl.primitivesEnabled.pageFault,
      },
      sample_filters: c.sampleControl.sampleFilters.map((f) => ({
        filter_type: f.type,
        matching: f.matching,
        allow: f.allow,
        cpumask: f.cpumask,
        tid_arr: f.tidArrText && f.tidArr ? f.tidArr.join(",") : f.tidArr,
      })),
    },
    pause: c.pause,
    schemes: c.schemes.map(schemeOut),
  };
}

/** damo's non-raw JSON object for a configuration, in damo's key order. */
export function kdamondsToDamo(config: KdamondsConfig): { kdamonds: Record<string, unknown>[] } {
  return {
    kdamonds: config.kdamonds.map((k) => ({
      refresh_ms: rawOrMax(k.refreshMs),
      contexts: k.contexts.map(contextOut),
    })),
  };
}

/** A bare list of damo scheme objects. */
export function schemesToDamo(schemes: SchemeConfig[]): Record<string, unknown>[] {
  return schemes.map(schemeOut);
}

export type ConfigFormat = "json" | "yaml";

export function formatKdamonds(config: KdamondsConfig, format: ConfigFormat = "json"): string {
  const obj = kdamondsToDamo(config);
  return format === "json" ? `${JSON.stringify(obj, null, 4)}\n` : YAML.stringify(obj);
}

/** Writes a configuration atomically; the format follows the extension (.yaml/.yml → YAML). */
export function writeKdamondsFile(file: string, config: KdamondsConfig, format?: ConfigFormat): void {
  const fmt = format ?? (/\.ya?ml$/i.test(file) ? "yaml" : "json");
  writeFileAtomic(file, formatKdamonds(config, fmt));
}

export { CORE_FILTER_TYPES };
