/**
 * The sequence of DAMON sysfs writes that applies a kdamonds configuration (spec §7),
 * as data. The sysfs backend executes it; the qemu guest turns it into a shell script;
 * `--dry-run` prints it. Paths are relative to the admin root
 * (`/sys/kernel/mm/damon/admin`). Every value is in the unit the kernel expects:
 * intervals µs, sizes bytes, nr_accesses samples, age aggregation intervals,
 * weights/watermarks permil, `max` as ULONG_MAX / UINT_MAX.
 *
 * Files that appeared after 6.12 (the kernel the guest boots) are marked
 * `ifPresent` when the value is the kernel default, so older kernels skip them; a
 * non-default value that needs a missing file is an error (`needs`).
 */
import type {
  ContextConfig,
  FilterConfig,
  KdamondsConfig,
  QuotaGoalConfig,
  SchemeConfig,
} from "../config/kdamonds.js";
import { defaultScheme, UNLIMITED } from "../config/kdamonds.js";
import { PROBE_HITS_WSUM_FEATURE, probeWrites, sampleControlWrites } from "./probe-writes.js";

export const ULONG_MAX = "18446744073709551615";
export const UINT_MAX = "4294967295";

export interface SysfsWrite {
  /** Relative to the admin root, e.g. `kdamonds/0/contexts/0/operations`. */
  path: string;
  value: string;
  /** The value is the kernel's default: skip the write if the file does not exist (older kernel). */
  ifPresent?: boolean;
  /** Kernel feature the file belongs to, for the error when it is missing (e.g. `6.15+ intervals_goal`). */
  needs?: string;
}

/** State commands of spec §7.3. */
export const STATE_COMMANDS = [
  "on",
  "off",
  "commit",
  "commit_schemes_quota_goals",
  "update_schemes_stats",
  "update_schemes_tried_regions",
  "update_schemes_tried_bytes",
  "clear_schemes_tried_regions",
  "update_schemes_effective_quotas",
  "update_tuned_intervals",
] as const;
export type StateCommand = (typeof STATE_COMMANDS)[number];

const ulong = (n: number) => (n === UNLIMITED ? ULONG_MAX : String(Math.round(n)));
const uint = (n: number) => (n === UNLIMITED ? UINT_MAX : String(Math.min(Math.round(n), 4294967295)));
const bool = (b: boolean) => (b ? "Y" : "N");

class Plan {
  readonly writes: SysfsWrite[] = [];
  w(path: string, value: string | number): void {
    this.writes.push({ path, value: String(value) });
  }
  /** A file newer than 6.12: skipped when absent if `isDefault`, else required. */
  newer(path: string, value: string | number, isDefault: boolean, needs: string): void {
    this.writes.push({ path, value: String(value), ...(isDefault ? { ifPresent: true } : {}), needs });
  }
}

function goalWrites(p: Plan, dir: string, g: QuotaGoalConfig): void {
  p.w(`${dir}/target_metric`, g.metric);
  p.w(`${dir}/target_value`, ulong(g.targetValue));
  p.w(`${dir}/current_value`, ulong(g.currentValue));
  if (g.nid !== null) p.newer(`${dir}/nid`, g.nid, false, "6.10+ node quota goals");
  if (g.memcgPath !== null) p.newer(`${dir}/path`, g.memcgPath, false, "6.16+ memcg quota goals");
}

function filterWrites(p: Plan, dir: string, f: FilterConfig): void {
  // No file tells whether a kernel knows probe_hits_wsum: one that does not rejects the keyword (EINVAL).
  if (f.type === "probe_hits_wsum") p.newer(`${dir}/type`, f.type, false, PROBE_HITS_WSUM_FEATURE);
  else p.w(`${dir}/type`, f.type);
  p.w(`${dir}/matching`, bool(f.matching));
  p.newer(`${dir}/allow`, bool(f.allow), !f.allow, "6.14+ allow filters");
  if (f.memcgPath !== null) p.w(`${dir}/memcg_path`, f.memcgPath);
  if (f.addressRange) {
    p.w(`${dir}/addr_start`, ulong(f.addressRange.start));
    p.w(`${dir}/addr_end`, ulong(f.addressRange.end));
  }
  if (f.targetIdx !== null) p.w(`${dir}/damon_target_idx`, f.targetIdx);
  // hugepage_size and probe_hits_wsum share the filter's min/max files (`range_{min,max}`).
  const range = f.hugepageSize ?? f.probeHitsWsum;
  if (range) {
    p.w(`${dir}/min`, ulong(range.min));
    p.w(`${dir}/max`, ulong(range.max));
  }
}

function schemeWrites(p: Plan, dir: string, s: SchemeConfig): void {
  p.w(`${dir}/action`, s.action);
  if (s.action === "migrate_hot" || s.action === "migrate_cold") p.w(`${dir}/target_nid`, s.targetNid ?? -1);
  p.w(`${dir}/apply_interval_us`, ulong(s.applyIntervalUs));
  const ap = s.accessPattern;
  p.w(`${dir}/access_pattern/sz/min`, ulong(ap.szBytes.min));
  p.w(`${dir}/access_pattern/sz/max`, ulong(ap.szBytes.max));
  p.w(`${dir}/access_pattern/nr_accesses/min`, uint(ap.nrAccesses.min));
  p.w(`${dir}/access_pattern/nr_accesses/max`, uint(ap.nrAccesses.max));
  p.w(`${dir}/access_pattern/age/min`, uint(ap.age.min));
  p.w(`${dir}/access_pattern/age/max`, uint(ap.age.max));
  const q = s.quotas;
  p.w(`${dir}/quotas/ms`, ulong(q.timeMs));
  p.w(`${dir}/quotas/bytes`, ulong(q.szBytes));
  p.w(`${dir}/quotas/reset_interval_ms`, ulong(q.resetIntervalMs));
  p.w(`${dir}/quotas/weights/sz_permil`, uint(q.weights.szPermil));
  p.w(`${dir}/quotas/weights/nr_accesses_permil`, uint(q.weights.nrAccessesPermil));
  p.w(`${dir}/quotas/weights/age_permil`, uint(q.weights.agePermil));
  p.newer(`${dir}/quotas/goal_tuner`, q.goalTuner, q.goalTuner === "consist", "7.x goal_tuner");
  p.newer(`${dir}/quotas/fail_charge_num`, q.failChargeNum, q.failChargeNum === 0, "7.x fail charge");
  p.newer(`${dir}/quotas/fail_charge_denom`, q.failChargeDenom, q.failChargeDenom === 0, "7.x fail charge");
  p.w(`${dir}/quotas/goals/nr_goals`, q.goals.length);
  q.goals.forEach((g, i) => goalWrites(p, `${dir}/quotas/goals/${i}`, g));
  const wm = s.watermarks;
  p.w(`${dir}/watermarks/metric`, wm.metric);
  p.w(`${dir}/watermarks/interval_us`, ulong(wm.intervalUs));
  p.w(`${dir}/watermarks/high`, ulong(wm.highPermil));
  p.w(`${dir}/watermarks/mid`, ulong(wm.midPermil));
  p.w(`${dir}/watermarks/low`, ulong(wm.lowPermil));
  p.w(`${dir}/filters/nr_filters`, s.filters.length);
  s.filters.forEach((f, i) => filterWrites(p, `${dir}/filters/${i}`, f));
  p.newer(`${dir}/dests/nr_dests`, s.dests.length, s.dests.length === 0, "6.17+ migration dests");
  s.dests.forEach((d, i) => {
    p.w(`${dir}/dests/${i}/id`, d.nid);
    p.w(`${dir}/dests/${i}/weight`, d.weight);
  });
}

function contextWrites(p: Plan, dir: string, c: ContextConfig): void {
  p.w(`${dir}/operations`, c.ops);
  p.newer(`${dir}/addr_unit`, c.addrUnit, c.addrUnit === 1, "6.18+ addr_unit");
  p.newer(`${dir}/pause`, bool(c.pause), !c.pause, "newest kernels' pause");
  const iv = c.intervals;
  const ivDir = `${dir}/monitoring_attrs/intervals`;
  p.w(`${ivDir}/sample_us`, ulong(iv.sampleUs));
  p.w(`${ivDir}/aggr_us`, ulong(iv.aggrUs));
  p.w(`${ivDir}/update_us`, ulong(iv.updateUs));
  const g = iv.goal;
  const goalOff = g.aggrs === 0 && g.accessBp === 0 && g.minSampleUs === 0 && g.maxSampleUs === 0;
  p.newer(`${ivDir}/intervals_goal/access_bp`, g.accessBp, goalOff, "6.15+ intervals_goal");
  p.newer(`${ivDir}/intervals_goal/aggrs`, g.aggrs, goalOff, "6.15+ intervals_goal");
  p.newer(`${ivDir}/intervals_goal/min_sample_us`, g.minSampleUs, goalOff, "6.15+ intervals_goal");
  p.newer(`${ivDir}/intervals_goal/max_sample_us`, g.maxSampleUs, goalOff, "6.15+ intervals_goal");
  p.w(`${dir}/monitoring_attrs/nr_regions/min`, ulong(c.nrRegions.min));
  p.w(`${dir}/monitoring_attrs/nr_regions/max`, ulong(c.nrRegions.max));
  p.writes.push(...probeWrites(dir, c), ...sampleControlWrites(dir, c));
  p.w(`${dir}/targets/nr_targets`, c.targets.length);
  c.targets.forEach((t, i) => {
    const tDir = `${dir}/targets/${i}`;
    if (c.ops !== "paddr" && t.pid !== null) p.w(`${tDir}/pid_target`, t.pid);
    p.newer(`${tDir}/obsolete_target`, bool(t.obsolete), !t.obsolete, "6.19+ obsolete_target");
    p.w(`${tDir}/regions/nr_regions`, t.regions.length);
    t.regions.forEach((r, ri) => {
      p.w(`${tDir}/regions/${ri}/start`, ulong(r.start));
      p.w(`${tDir}/regions/${ri}/end`, ulong(r.end));
    });
  });
  p.w(`${dir}/schemes/nr_schemes`, c.schemes.length);
  c.schemes.forEach((s, i) => schemeWrites(p, `${dir}/schemes/${i}`, s));
}

/** Writes that fill every kdamond's tree (not `nr_kdamonds`, not `state`). */
export function planTree(config: KdamondsConfig): SysfsWrite[] {
  const p = new Plan();
  config.kdamonds.forEach((k, ki) => {
    const kDir = `kdamonds/${ki}`;
    p.newer(`${kDir}/refresh_ms`, k.refreshMs, k.refreshMs === 0, "6.17+ refresh_ms");
    p.w(`${kDir}/contexts/nr_contexts`, k.contexts.length);
    k.contexts.forEach((c, ci) => contextWrites(p, `${kDir}/contexts/${ci}`, c));
  });
  return p.writes;
}

/** Creates the kdamonds, fills them and turns them on. */
export function planStart(config: KdamondsConfig): SysfsWrite[] {
  return [
    { path: "kdamonds/nr_kdamonds", value: String(config.kdamonds.length) },
    ...planTree(config),
    ...config.kdamonds.map((_, ki) => ({ path: `kdamonds/${ki}/state`, value: "on" })),
  ];
}

/** Rewrites the trees of running kdamonds and commits them online (`nr_kdamonds` cannot change). */
export function planCommit(config: KdamondsConfig): SysfsWrite[] {
  return [
    ...planTree(config),
    ...config.kdamonds.map((_, ki) => ({ path: `kdamonds/${ki}/state`, value: "commit" })),
  ];
}

/** One state command to every kdamond. */
export function planState(nrKdamonds: number, command: StateCommand): SysfsWrite[] {
  return Array.from({ length: nrKdamonds }, (_, ki) => ({ path: `kdamonds/${ki}/state`, value: command }));
}

/**
 * A `stat` scheme that matches every region: its tried regions are a monitoring
 * snapshot. damo's default scheme, but with the percent/time forms of the
 * pattern unset and a zero reset interval.
 */
export function monitorScheme(): SchemeConfig {
  const s = defaultScheme("stat");
  s.accessPattern.nrAccessesPercent = null;
  s.accessPattern.ageUs = null;
  s.quotas.resetIntervalMs = 0;
  return s;
}

/** The configuration with a monitoring `stat` scheme appended to every context; returns its index per context. */
export function withMonitorScheme(config: KdamondsConfig): { config: KdamondsConfig; schemeIdx: number[][] } {
  const schemeIdx: number[][] = [];
  const out: KdamondsConfig = {
    kdamonds: config.kdamonds.map((k) => {
      const idx: number[] = [];
      schemeIdx.push(idx);
      return {
        ...k,
        contexts: k.contexts.map((c) => {
          idx.push(c.schemes.length);
          return { ...c, schemes: [...c.schemes, monitorScheme()] };
        }),
      };
    }),
  };
  return { config: out, schemeIdx };
}
