/**
 * zod schema of the kdamonds file as damo writes it (formats.md §3): every unit field
 * is parsed to a number in its key's unit here; nr_accesses and age stay tagged with
 * the unit they were written in, since converting them needs the context's intervals.
 * Unknown keys are errors (a misspelt `acess_pattern` must not silently mean "every
 * region"), except those damo writes into live dumps, which are read and dropped.
 */
import * as z from "zod";
import {
  readAge,
  readBool,
  readCount,
  readInt,
  readNrAccesses,
  readRatio,
  readSize,
  readTime,
} from "./human-format.js";
import { OPS } from "../core/ops.js";
import { SAMPLE_FILTER_TYPES } from "../core/sample-filter.js";
import {
  CORE_FILTER_TYPES,
  DAMOS_ACTIONS,
  GOAL_TUNERS,
  OPS_FILTER_TYPES,
  QUOTA_GOAL_METRICS,
  WMARK_METRICS,
} from "../schemes/types.js";
import { PREP_ACTIONS, PROBE_FILTER_TYPES } from "../core/probe.js";

const numOrStr = z.union([z.number(), z.string()], { error: "expected a number or a string with a unit" });

function field<T>(parse: (v: number | string) => T) {
  return numOrStr.transform((v, ctx): T => {
    try {
      return parse(v);
    } catch (e) {
      ctx.issues.push({ code: "custom", message: e instanceof Error ? e.message : String(e), input: v });
      return z.NEVER;
    }
  });
}

const size = field(readSize);
const count = field(readCount);
const int = field(readInt);
const us = field((v) => readTime(v, 1e3));
const ms = field((v) => readTime(v, 1e6));
const permil = field((v) => readRatio(v, 10));
const bp = field((v) => readRatio(v, 100));
const nrAcc = field(readNrAccesses);
const age = field(readAge);
const bool = z.union([z.boolean(), z.string()], { error: "expected true or false" }).transform((v, ctx) => {
  try {
    return readBool(v);
  } catch (e) {
    ctx.issues.push({ code: "custom", message: e instanceof Error ? e.message : String(e), input: v });
    return z.NEVER;
  }
});

/** A data-attribute probe (damo 3.3 writes `filters` only; `weight` and `preps` are the kernel's). */
const rawProbe = z.strictObject({
  filters: z.array(
    z.strictObject({
      filter_type: z.enum(PROBE_FILTER_TYPES),
      matching: bool.optional(),
      allow: bool.optional(),
      path: z.string().nullable().optional(),
      min: size.optional(),
      max: size.optional(),
    }),
  ),
  weight: count.optional(),
  preps: z.array(z.enum(PREP_ACTIONS)).optional(),
});
export type RawProbe = z.output<typeof rawProbe>;

const rangeOf = <T extends z.ZodType>(t: T) => z.strictObject({ min: t.optional(), max: t.optional() });

/** An address: a size without `max` (an unbounded address cannot be monitored or written back). */
const addr = field((v) => {
  const n = readSize(v);
  if (n === Infinity) throw new Error(`'${String(v)}' is not an address (give a number below 2^53)`);
  return n;
});
const addrRange = z.strictObject({ start: addr, end: addr });

const filter = z.strictObject({
  filter_type: z.enum([...OPS_FILTER_TYPES, ...CORE_FILTER_TYPES]),
  matching: bool.optional(),
  allow: bool.optional(),
  filter_pass: bool.optional(), // older damo's name for `allow`
  memcg_path: z.string().nullable().optional(),
  address_range: addrRange.nullable().optional(),
  damon_target_idx: int.nullable().optional(),
  hugepage_size: z
    .union([z.tuple([size, size]), z.strictObject({ min: size, max: size })])
    .nullable()
    .optional(),
  probe_hits_wsum: z.strictObject({ min: count, max: count }).nullable().optional(),
});

const goal = z.strictObject({
  metric: z.enum(QUOTA_GOAL_METRICS).optional(),
  nid: int.nullable().optional(),
  memcg_path: z.string().nullable().optional(),
  target_value: count,
  current_value: count.optional(),
  complement: bool.optional(), // newest kernels; not modelled
});

const quotas = z.strictObject({
  time_ms: ms.optional(),
  sz_bytes: size.optional(),
  reset_interval_ms: ms.optional(),
  fail_charge_num: count.optional(),
  fail_charge_denom: count.optional(),
  goals: z.array(goal).optional(),
  goal_tuner: z.enum(GOAL_TUNERS).optional(),
  effective_sz_bytes: size.optional(),
  weights: z
    .strictObject({
      sz_permil: permil.optional(),
      nr_accesses_permil: permil.optional(),
      age_permil: permil.optional(),
    })
    .optional(),
});

const watermarks = z.strictObject({
  metric: z.enum(WMARK_METRICS).optional(),
  interval_us: us.optional(),
  high_permil: permil.optional(),
  mid_permil: permil.optional(),
  low_permil: permil.optional(),
});

export const rawScheme = z.strictObject({
  action: z.enum(DAMOS_ACTIONS).optional(),
  dests: z.array(z.strictObject({ id: int, weight: count })).optional(),
  target_nid: int.nullable().optional(),
  access_pattern: z
    .strictObject({
      sz_bytes: rangeOf(size).optional(),
      nr_accesses: rangeOf(nrAcc).optional(),
      age: rangeOf(age).optional(),
    })
    .optional(),
  apply_interval_us: us.optional(),
  quotas: quotas.optional(),
  watermarks: watermarks.optional(),
  filters: z.array(filter).optional(),
  // live-dump only keys: accepted and dropped
  stats: z.unknown().optional(),
  tried_regions: z.unknown().optional(),
  max_nr_snapshots: z.unknown().optional(),
});
export type RawScheme = z.output<typeof rawScheme>;

const sampleFilter = z.strictObject({
  filter_type: z.enum(SAMPLE_FILTER_TYPES),
  matching: bool.optional(),
  allow: bool.optional(),
  cpumask: z.string().nullable().optional(),
  // damo 3.3 writes the kernel's text form ("1234,1235"); older damon-ts files a list
  tid_arr: z
    .union([z.array(int), z.string()])
    .nullable()
    .optional(),
});

const context = z.strictObject({
  ops: z.enum(OPS),
  addr_unit: size.optional(),
  targets: z.array(
    z.strictObject({
      pid: int.nullable(),
      obsolete: bool.optional(),
      regions: z.array(addrRange),
    }),
  ),
  intervals: z
    .strictObject({
      sample_us: us.optional(),
      aggr_us: us.optional(),
      ops_update_us: us.optional(),
      intervals_goal: z
        .strictObject({
          access_bp: bp.optional(),
          aggrs: count.optional(),
          min_sample_us: us.optional(),
          max_sample_us: us.optional(),
        })
        .optional(),
    })
    .optional(),
  nr_regions: rangeOf(count).optional(),
  probes: z.array(rawProbe).optional(),
  sample_control: z
    .strictObject({
      primitives_enabled: z
        .strictObject({ page_table: bool.optional(), page_fault: bool.optional() })
        .optional(),
      sample_filters: z.array(sampleFilter).optional(),
    })
    .optional(),
  pause: bool.optional(),
  schemes: z.array(rawScheme).optional(),
});
export type RawContext = z.output<typeof context>;

const kdamond = z.strictObject({
  refresh_ms: ms.optional(),
  contexts: z.array(context),
  state: z.unknown().optional(),
  pid: z.unknown().optional(),
});

export const rawKdamonds = z.strictObject({ kdamonds: z.array(kdamond) });
export type RawKdamonds = z.output<typeof rawKdamonds>;

export const rawSchemesList = z.array(rawScheme);
