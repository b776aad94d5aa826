/** Writing a kdamonds configuration as damo does: its non-raw human form, in damo's key order, JSON or YAML. */
import * as YAML from "yaml";
import { writeFileAtomic } from "../util/atomic-write.js";
import { isMigrateAction } from "../schemes/types.js";
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
import type {
  AccessPatternConfig,
  ContextConfig,
  KdamondsConfig,
  Range,
  SchemeConfig,
} from "./kdamonds-types.js";
import { probesOut } from "./probes.js";

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
  if (isMigrateAction(s.action)) out.target_nid = s.targetNid;
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
