/**
 * Building schemes with the kernel's defaults (`damon_new_scheme`, §6.1) and the
 * filter default-reject rules (§6.10).
 */
import type { AccessPattern, DamosAction, DamosFilter, Quota, Scheme, Watermarks } from "./types.js";
import { CORE_FILTER_TYPES } from "./types.js";
import { UINT_MAX } from "../core/arith.js";
import type { Context } from "../core/context.js";

/** A pattern that matches every region. */
export function anyPattern(): AccessPattern {
  return {
    minSzRegion: 0,
    maxSzRegion: Number.MAX_SAFE_INTEGER,
    minNrAccesses: 0,
    maxNrAccesses: UINT_MAX,
    minAge: 0,
    maxAge: UINT_MAX,
  };
}

export function newQuota(q: Partial<Quota> = {}): Quota {
  return {
    ms: 0,
    sz: 0,
    resetIntervalMs: 0,
    weightSz: 0,
    weightNrAccesses: 0,
    weightAge: 0,
    goals: [],
    goalTuner: "consist",
    failChargeNum: 0,
    failChargeDenom: 0,
    ...q,
    // Private quota state always starts zeroed.
    chargedSz: 0,
    chargedFromNs: null,
    chargeTargetFrom: null,
    chargeAddrFrom: 0,
    totalChargedSz: 0,
    totalChargedNs: 0,
    esz: 0,
    eszBp: 0n,
    minScore: 0,
  };
}

export function newWatermarks(w: Partial<Watermarks> = {}): Watermarks {
  return { metric: "none", intervalUs: 0, high: 0, mid: 0, low: 0, ...w, activated: true };
}

export interface NewSchemeOptions {
  pattern?: Partial<AccessPattern>;
  action: DamosAction;
  applyIntervalUs?: number;
  quota?: Partial<Quota>;
  wmarks?: Partial<Watermarks>;
  targetNid?: number;
  dests?: { nid: number; weight: number }[];
  filters?: DamosFilter[];
  maxNrSnapshots?: number;
}

/** `damon_new_scheme`: user fields copied, private state zeroed, watermarks activated. */
export function newScheme(o: NewSchemeOptions): Scheme {
  const s: Scheme = {
    pattern: { ...anyPattern(), ...o.pattern },
    action: o.action,
    applyIntervalUs: o.applyIntervalUs ?? 0,
    quota: newQuota(o.quota),
    wmarks: newWatermarks(o.wmarks),
    targetNid: o.targetNid ?? -1,
    dests: o.dests ? o.dests.map((d) => ({ ...d })) : [],
    coreFilters: [],
    opsFilters: [],
    stat: {
      nrTried: 0,
      szTried: 0,
      nrApplied: 0,
      szApplied: 0,
      szOpsFilterPassed: 0,
      qtExceeds: 0,
      nrSnapshots: 0,
    },
    maxNrSnapshots: o.maxNrSnapshots ?? 0,
    nextApplySis: 0,
    coreFiltersAllowed: false,
    coreFiltersDefaultReject: false,
    opsFiltersDefaultReject: false,
  };
  for (const f of o.filters ?? []) addFilter(s, f);
  return s;
}

/** Whether a filter type is evaluated by the core (before ops) rather than by ops per folio. */
export function isCoreFilter(f: DamosFilter): boolean {
  return (CORE_FILTER_TYPES as readonly string[]).includes(f.type);
}

/** Adds a filter to the right list (core or ops) and refreshes the default-reject flags. */
export function addFilter(s: Scheme, f: DamosFilter): void {
  (isCoreFilter(f) ? s.coreFilters : s.opsFilters).push({ ...f });
  setFiltersDefaultReject(s);
}

/**
 * The default verdict when no filter matches (§6.10, C35). Core: allow when ops
 * filters exist (let them decide), else the last core filter's `allow` means
 * "reject the rest". Ops: the last ops filter's `allow`.
 */
export function setFiltersDefaultReject(s: Scheme): void {
  const lastCore = s.coreFilters[s.coreFilters.length - 1];
  const lastOps = s.opsFilters[s.opsFilters.length - 1];
  s.coreFiltersDefaultReject = s.opsFilters.length > 0 ? false : lastCore ? lastCore.allow : false;
  s.opsFiltersDefaultReject = lastOps ? lastOps.allow : false;
}

/**
 * `damos_set_next_apply_sis`: the scheme is next due one apply interval (its own,
 * or the aggregation interval when 0) from now, in sample intervals.
 */
export function setNextApplySis(ctx: Context, s: Scheme): void {
  const interval = s.applyIntervalUs || ctx.attrs.aggrUs;
  s.nextApplySis = ctx.passedSampleIntervals + Math.floor(interval / (ctx.attrs.sampleUs || 1));
}
