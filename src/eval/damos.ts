/**
 * DAMOS in experiments: builds the schemes engine of a run from scheme
 * configurations (executor and system metrics over the run's machine), and
 * measures what the schemes achieved — tiering (fast-tier share of accesses
 * against an oracle placement, migration traffic) and reclaim (memory saved
 * against the slowdown from refaults).
 */
import type { SchemeConfig } from "../config/kdamonds-types.js";
import type { Context } from "../core/context.js";
import type { SchemesEngine } from "../core/kdamond.js";
import type { Machine } from "../mm/machine.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { DamosActionExecutor } from "../ops/damos-actions.js";
import type { OpsDescriptor } from "../ops/registry.js";
import { schemesFromConfig } from "../schemes/from-config.js";
import { SchemesRunner } from "../schemes/runner.js";
import type { TruthWindow } from "../truth/ground-truth.js";
import { schemeOutcome, type SchemeOutcome } from "../schemes/stats.js";
import type { Scheme } from "../schemes/types.js";
import type { ExperimentResult } from "./experiment.js";

/** The schemes engines of a run (one per kdamond) and their executors, once the run created them. */
export interface DamosHandle {
  runners: SchemesRunner[];
  executors: DamosActionExecutor[];
  /** Per kdamond (same order): its context and what its sampling cost in work units. */
  kdamonds?: KdamondProfile[];
}

/** What one kdamond did over a run: samples taken and regions checked (the monitoring work). */
export interface KdamondProfile {
  ctx: Context;
  /** Sampling intervals in which the schemes engine ran (the kdamond was not waiting on watermarks). */
  samples: number;
  /** Sum over those samples of the number of regions checked. */
  regionSamples: number;
}

/** Every scheme of every engine, in kdamond order. */
export function allSchemes(h: DamosHandle): Scheme[] {
  return h.runners.flatMap((r) => r.schemes);
}

function sumCounter(h: DamosHandle, k: keyof DamosActionExecutor["counters"]): number {
  return h.executors.reduce((s, e) => s + e.counters[k], 0);
}

/**
 * A `schemes` factory for runExperiment; the engine it creates is added to
 * `handle` (pass the same handle for the extra kdamonds of one run).
 */
export function damosEngine(
  configs: SchemeConfig[],
  ops: OpsDescriptor,
  handle: DamosHandle = { runners: [], executors: [] },
): { factory: (m: Machine, ctx: Context) => SchemesEngine; handle: DamosHandle } {
  const factory = (m: Machine, ctx: Context): SchemesEngine => {
    const schemes = schemesFromConfig(configs, (p) => m.memcgId(p));
    const executor = ops.schemeExecutor(m);
    const runner = new SchemesRunner(schemes, {
      executor,
      metrics: ops.goalMetrics(m),
      score: (c, t, r, s) => ops.getSchemeScore(c, t, r, s),
    });
    handle.runners.push(runner);
    handle.executors.push(executor);
    const prof: KdamondProfile = { ctx, samples: 0, regionSamples: 0 };
    (handle.kdamonds ??= []).push(prof);
    // The core calls apply once per sampling interval, right after the access check.
    return {
      start: (c) => runner.start(c),
      watermarkWaitUs: (c, now) => runner.watermarkWaitUs(c, now),
      apply: (c, now) => {
        prof.samples++;
        for (const t of c.targets) prof.regionSamples += t.regions.length;
        runner.apply(c, now);
      },
    };
  };
  return { factory, handle };
}

/**
 * Per-window accesses served by the fast node, and each page's total accesses
 * over the run (for the oracle placement), from the exact truth.
 */
export class TierTracker {
  fastAccesses = 0;
  totalAccesses = 0;
  /** Per window: its end, accesses the fast node served, and all accesses. */
  readonly windows: { endNs: number; fast: number; total: number }[] = [];
  private readonly perPage = new Map<number, number>();

  constructor(readonly fastNode: number) {}

  onWindow(w: TruthWindow, m: Machine): void {
    const node = m.frames.node;
    const pp = this.perPage;
    let fast = 0;
    let total = 0;
    for (let i = 0; i < w.n; i++) {
      const a = w.accesses[i];
      const pfn = w.paddr[i] / PAGE_SIZE;
      if (node[pfn] === this.fastNode) fast += a;
      total += a;
      const key = w.pid[i] * 2 ** 36 + w.vaddr[i] / PAGE_SIZE;
      pp.set(key, (pp.get(key) ?? 0) + a);
    }
    this.fastAccesses += fast;
    this.totalAccesses += total;
    this.windows.push({ endNs: w.endNs, fast, total });
  }

  /** Fast-node share over the second half of the windows (steady state, after placement converged). */
  get steadyFastShare(): number {
    let f = 0;
    let t = 0;
    for (const w of this.windows.slice(Math.floor(this.windows.length / 2))) {
      f += w.fast;
      t += w.total;
    }
    return t > 0 ? f / t : 0;
  }

  /** Fast-node share per whole second of the run (windows by their end time). */
  get fastShareBySecond(): number[] {
    const f: number[] = [];
    const t: number[] = [];
    for (const w of this.windows) {
      const s = Math.max(0, Math.ceil(w.endNs / 1e9) - 1);
      f[s] = (f[s] ?? 0) + w.fast;
      t[s] = (t[s] ?? 0) + w.total;
    }
    return Array.from(t, (x, i) => (x ? (f[i] ?? 0) / x : 0));
  }

  /** Share of accesses the fast node served. */
  get fastShare(): number {
    return this.totalAccesses > 0 ? this.fastAccesses / this.totalAccesses : 0;
  }

  /** The share an oracle would get: the run's `k` most accessed pages on the fast node. */
  oracleShare(k: number): number {
    const counts = [...this.perPage.values()].sort((a, b) => b - a);
    let top = 0;
    for (let i = 0; i < Math.min(k, counts.length); i++) top += counts[i];
    return this.totalAccesses > 0 ? top / this.totalAccesses : 0;
  }
}

export interface TieringReport {
  /** Over the whole run, and over its second half. */
  fastShare: number;
  steadyFastShare: number;
  /** Fast-tier share per second of the run (convergence and oscillation show here). */
  fastShareBySecond: number[];
  oracleShare: number;
  /** |steady fast share − oracle| / oracle. */
  gapToOracle: number;
  /** App ns per access vs the all-fast baseline, − 1. */
  slowdownVsAllFast: number | null;
  migratedPages: number;
  migratedBytes: number;
  /** Migration traffic per second of run. */
  migratedBytesPerSec: number;
  monitorCpuShare: number;
}

export function tieringReport(
  r: ExperimentResult,
  t: TierTracker,
  h: DamosHandle,
  fastNodeFrames: number,
): TieringReport {
  const oracle = t.oracleShare(fastNodeFrames);
  const migrated = sumCounter(h, "migratedPages");
  return {
    fastShare: t.fastShare,
    steadyFastShare: t.steadyFastShare,
    fastShareBySecond: t.fastShareBySecond,
    oracleShare: oracle,
    gapToOracle: oracle > 0 ? Math.abs(t.steadyFastShare - oracle) / oracle : 0,
    slowdownVsAllFast: r.summary.appSlowdown,
    migratedPages: migrated,
    migratedBytes: migrated * PAGE_SIZE,
    migratedBytesPerSec: (migrated * PAGE_SIZE) / (r.durationNs / 1e9),
    monitorCpuShare: r.summary.monitorCpuShare,
  };
}

export interface ReclaimReport {
  residentAvgBytes: number;
  baselineResidentAvgBytes: number | null;
  /** 1 − resident / baseline resident. */
  memorySaved: number | null;
  /** App ns per access vs the unmonitored, scheme-less run, − 1 (refaults, stalls). */
  slowdown: number | null;
  pagedOutBytes: number;
  majorFaults: number;
  /** PSI-like memory stall, µs. */
  stallUs: number;
  /** Monitoring + reclaim CPU (the kdamond's time, actions included) and kswapd's, as shares of one CPU. */
  kdamondCpuShare: number;
  kswapdCpuShare: number;
}

export function reclaimReport(r: ExperimentResult, h: DamosHandle): ReclaimReport {
  const m = r.machine;
  const base = r.baselineResidentAvgBytes;
  const secs = r.durationNs / 1e9;
  return {
    residentAvgBytes: r.residentAvgBytes,
    baselineResidentAvgBytes: base,
    memorySaved: base ? 1 - r.residentAvgBytes / base : null,
    slowdown: r.summary.appSlowdown,
    pagedOutBytes: sumCounter(h, "pagedOut") * PAGE_SIZE,
    majorFaults: m.threads.reduce((s, t) => s + t.majorFaults, 0),
    stallUs: m.mem.stallNs / 1000,
    kdamondCpuShare: m.kdamondCost.ns / 1e9 / secs,
    kswapdCpuShare: m.kswapdCost.ns / 1e9 / secs,
  };
}

/** What DAMOS did in a run (when --kdamonds / --scheme / --preset was given). */
export interface DamosOutcome {
  handle: DamosHandle;
  tiers: TierTracker | null;
  fastNodeFrames: number;
  preset: string | null;
}

/** Where the kdamonds' CPU went: sampling (monitoring) and scheme actions, as shares of one CPU. */
export interface KdamondCpuProfile {
  /** Everything charged to the kdamonds (both, when tiering runs two), actions included. */
  share: number;
  /** Access sampling: young checks and mkolds of the sampled pages (the rest of `share`). */
  monitorShare: number;
  /** Scheme actions: page walks with ops filters, migrations, pageouts (sum of the schemes' charged time). */
  actionShare: number;
  checks: number;
  mkolds: number;
  rmapWalks: number;
  tlbFlushes: number;
  kdamonds: {
    /** Sampling intervals taken (0 while watermarks held the kdamond). */
    samples: number;
    /** Mean regions checked per sample. */
    regionsPerSample: number;
    /** Sampling and aggregation intervals at the end of the run (they move when auto-tuned). */
    sampleUsEnd: number;
    aggrUsEnd: number;
  }[];
}

export function kdamondCpuProfile(r: ExperimentResult, h: DamosHandle): KdamondCpuProfile {
  const secs = r.durationNs / 1e9;
  const acct = r.machine.kdamondCost;
  const actionNs = allSchemes(h).reduce((s, x) => s + x.quota.totalChargedNs, 0);
  return {
    share: acct.ns / 1e9 / secs,
    monitorShare: (acct.ns - actionNs) / 1e9 / secs,
    actionShare: actionNs / 1e9 / secs,
    checks: acct.checks,
    mkolds: acct.mkolds,
    rmapWalks: acct.rmapWalks,
    tlbFlushes: acct.tlbFlushes,
    kdamonds: (h.kdamonds ?? []).map((k) => ({
      samples: k.samples,
      regionsPerSample: k.samples > 0 ? k.regionSamples / k.samples : 0,
      sampleUsEnd: k.ctx.attrs.sampleUs,
      aggrUsEnd: k.ctx.attrs.aggrUs,
    })),
  };
}

/** The DAMOS part of `run --json` (docs/json-output.md): plain numbers, bytes and ns. */
export interface DamosOutcomeJson {
  preset: string | null;
  schemes: ({ kdamond: number; action: string } & SchemeOutcome & { actionNs: number })[];
  memory: {
    swapOuts: number;
    swapIns: number;
    pageoutReclaimed: number;
    kswapdReclaimed: number;
    directReclaimed: number;
    stallNs: number;
    activeBytes: number;
    inactiveBytes: number;
  };
  cpu: KdamondCpuProfile;
  tiering: TieringReport | null;
  reclaim: ReclaimReport | null;
}

export function damosOutcomeJson(r: ExperimentResult, d: DamosOutcome): DamosOutcomeJson {
  const mem = r.machine.mem;
  return {
    preset: d.preset,
    schemes: d.handle.runners.flatMap((runner, k) =>
      runner.schemes.map((s) => ({
        kdamond: k,
        action: s.action,
        ...schemeOutcome(s),
        actionNs: s.quota.totalChargedNs,
      })),
    ),
    memory: {
      swapOuts: mem.swapOuts,
      swapIns: mem.swapIns,
      pageoutReclaimed: mem.pageoutReclaimed,
      kswapdReclaimed: mem.kswapdReclaimed,
      directReclaimed: mem.directReclaimed,
      stallNs: mem.stallNs,
      activeBytes: r.machine.lru.total(true) * PAGE_SIZE,
      inactiveBytes: r.machine.lru.total(false) * PAGE_SIZE,
    },
    cpu: kdamondCpuProfile(r, d.handle),
    tiering: d.tiers ? tieringReport(r, d.tiers, d.handle, d.fastNodeFrames) : null,
    reclaim: d.tiers ? null : reclaimReport(r, d.handle),
  };
}
