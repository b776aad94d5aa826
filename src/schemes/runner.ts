/**
 * Applying DAMOS schemes in the kdamond (damon-spec.md §6.4, §6.5): the
 * `SchemesEngine` the core calls at every iteration. Per apply round: charge
 * windows and min_score for due schemes, then every region of every target
 * against every due scheme, in that interleaving; then the next apply deadlines.
 */
import { alignDown } from "../core/arith.js";
import { regionSzLimit } from "../core/adjust.js";
import type { Context } from "../core/context.js";
import type { SchemesEngine } from "../core/kdamond.js";
import { splitRegionAtIndex } from "../core/region.js";
import type { Region, Target } from "../core/region.js";
import { coreFiltersReject } from "./filters.js";
import {
  adjustChargeWindow,
  chargeQuota,
  clearChargeMarkers,
  quotaIsFull,
  quotaIsSet,
  skipChargedRegion,
} from "./quota.js";
import { DAMOS_MAX_SCORE, minScoreOf, regionNrAccesses, scoreByAction } from "./score.js";
import { setFiltersDefaultReject, setNextApplySis } from "./scheme.js";
import type { QuotaGoal, Scheme, TriedRegion } from "./types.js";
import { wmarkWaitUs } from "./watermarks.js";

/** What an action did to one region. */
export interface ActionResult {
  /** Bytes the action was applied to. */
  applied: number;
  /** Bytes that passed the ops filters. */
  filterPassed: number;
  /** Time the action took, in ns (charged to time quotas and to the kdamond). */
  costNs: number;
}

/** Carries out scheme actions on the monitored memory (implemented over ops and mm). */
export interface ActionExecutor {
  applyScheme(ctx: Context, t: Target, r: Region, s: Scheme): ActionResult;
}

/** System measures that watermarks and quota goals read (from the memory system). */
export interface SystemMetrics {
  /** Free memory rate in permil, or null when unavailable. */
  freeMemRatePermil?(): number | null;
  /** Current value of a quota goal's metric (not `user_input`, which the user sets). */
  goalMetric?(goal: QuotaGoal, ctx: Context, s: Scheme): number;
}

export interface SchemesRunnerOptions {
  executor?: ActionExecutor;
  metrics?: SystemMetrics;
  /** The operation set's `get_scheme_score`; by default hot/cold scores by action (§6.7). */
  score?(ctx: Context, t: Target, r: Region, s: Scheme): number;
}

/** A pending `damos_walk`: collects tried regions during one full apply round of each scheme. */
interface WalkState {
  started: boolean[];
  done: boolean[];
  regions: TriedRegion[][];
  resolve: (regions: TriedRegion[][] | null) => void;
}

export class SchemesRunner implements SchemesEngine {
  readonly schemes: Scheme[];
  private readonly opts: SchemesRunnerOptions;
  private readonly histogram = new Float64Array(DAMOS_MAX_SCORE + 1);
  private walk: WalkState | null = null;

  constructor(schemes: Scheme[], opts: SchemesRunnerOptions = {}) {
    this.schemes = schemes;
    this.opts = opts;
  }

  /** `kdamond_init_ctx`: apply deadlines (the clock is at 0) and filter defaults. */
  start(ctx: Context): void {
    for (const s of this.schemes) {
      setNextApplySis(ctx, s);
      setFiltersDefaultReject(s);
    }
  }

  /** `damon_set_attrs` → `damos_set_next_apply_sis` for every scheme, due or not. */
  attrsChanged(ctx: Context): void {
    for (const s of this.schemes) setNextApplySis(ctx, s);
  }

  watermarkWaitUs(_ctx: Context, _nowNs: number): number {
    if (this.schemes.length === 0) return 0;
    const metric = this.opts.metrics?.freeMemRatePermil?.() ?? null;
    let min = Infinity;
    for (const s of this.schemes) min = Math.min(min, wmarkWaitUs(s.wmarks, metric));
    if (min > 0) this.cancelWalk();
    return min;
  }

  /**
   * Requests the regions each scheme tries during its next full apply round
   * (`damos_walk`, the engine of `update_schemes_tried_regions`). Resolves with one
   * list per scheme, or null if cancelled (no schemes, deactivated, stopped).
   */
  requestTriedRegions(): Promise<TriedRegion[][] | null> {
    this.cancelWalk();
    if (this.schemes.length === 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const n = this.schemes.length;
      this.walk = {
        started: new Array<boolean>(n).fill(false),
        done: new Array<boolean>(n).fill(false),
        regions: this.schemes.map(() => []),
        resolve,
      };
    });
  }

  /** Cancels a pending walk (it resolves with null). */
  cancelWalk(): void {
    const w = this.walk;
    this.walk = null;
    w?.resolve(null);
  }

  private isDue(ctx: Context, s: Scheme): boolean {
    return s.wmarks.activated && ctx.passedSampleIntervals >= s.nextApplySis;
  }

  private refreshGoals(ctx: Context, s: Scheme): void {
    const metrics = this.opts.metrics;
    if (!metrics?.goalMetric) return;
    for (const g of s.quota.goals) {
      if (g.metric !== "user_input") g.currentValue = metrics.goalMetric(g, ctx, s);
    }
  }

  private regionScore(ctx: Context, t: Target, r: Region, s: Scheme): number {
    return this.opts.score ? this.opts.score(ctx, t, r, s) : scoreByAction(ctx, r, s);
  }

  /** Pattern match (§6.2), using the computed moving sum for the frequency. */
  patternMatches(ctx: Context, r: Region, s: Scheme): boolean {
    const p = s.pattern;
    const sz = r.end - r.start;
    const nr = regionNrAccesses(ctx, r);
    return (
      sz >= p.minSzRegion &&
      sz <= p.maxSzRegion &&
      nr >= p.minNrAccesses &&
      nr <= p.maxNrAccesses &&
      r.age >= p.minAge &&
      r.age <= p.maxAge
    );
  }

  /** `damos_valid_target`: pattern, then the quota's min_score when the quota is set. */
  private validTarget(ctx: Context, t: Target, r: Region, s: Scheme): boolean {
    if (!this.patternMatches(ctx, r, s)) return false;
    if (!quotaIsSet(s.quota)) return true;
    return this.regionScore(ctx, t, r, s) >= s.quota.minScore;
  }

  /** Charge window and, for a quota, min_score from the score histogram (§6.6.2, §6.7). */
  private adjustQuota(ctx: Context, s: Scheme, nowNs: number): void {
    const q = s.quota;
    if (!q.ms && !q.sz && q.goals.length === 0) return;
    adjustChargeWindow(
      q,
      nowNs,
      ctx.minRegionSz,
      () => s.stat.qtExceeds++,
      () => this.refreshGoals(ctx, s),
    );
    const h = this.histogram;
    h.fill(0);
    let maxScore = 0;
    ctx.targets.forEach((t, ti) => {
      // By index: an addr core filter may split the region (the right piece is visited next).
      for (let i = 0; i < t.regions.length; i++) {
        if (!this.patternMatches(ctx, t.regions[i], s)) continue;
        // Newest damos_adjust_quota: regions the core filters reject do not count.
        if (coreFiltersReject(s, t, ti, i, ctx)) continue;
        const r = t.regions[i];
        const score = this.regionScore(ctx, t, r, s);
        h[score] += r.end - r.start;
        if (score > maxScore) maxScore = score;
      }
    });
    q.minScore = minScoreOf(h, maxScore, q.esz);
  }

  apply(ctx: Context, nowNs: number): void {
    const due = this.schemes.filter((s) => this.isDue(ctx, s));
    if (due.length === 0) return;
    const w = this.walk;
    if (w) this.schemes.forEach((s, i) => (w.started[i] ||= due.includes(s)));
    for (const s of due) this.adjustQuota(ctx, s, nowNs);
    const maxRegionSz = regionSzLimit(ctx);
    const ops = ctx.ops;
    ctx.targets.forEach((t, ti) => {
      if (ops.targetValid && !ops.targetValid(t)) {
        // kdamond_apply_schemes: an invalid target cannot keep any scheme's resume
        // markers, or the schemes would skip every other target forever.
        for (const x of this.schemes) if (x.quota.chargeTargetFrom === ti) clearChargeMarkers(x.quota);
        return;
      }
      this.applyTarget(ctx, t, ti, maxRegionSz);
    });
    for (const s of due) setNextApplySis(ctx, s);
    if (w && this.walk === w) {
      this.schemes.forEach((s, i) => {
        if (w.started[i] && due.includes(s)) w.done[i] = true;
      });
      if (w.done.every(Boolean)) {
        this.walk = null;
        w.resolve(w.regions);
      }
    }
  }

  private applyTarget(ctx: Context, t: Target, ti: number, maxRegionSz: number): void {
    // Regions inserted after the current one by splits are visited too.
    for (let i = 0; i < t.regions.length; i++) {
      this.doApplySchemes(ctx, t, ti, i);
      // Undo splits made only for quotas/filters when they lost no information.
      const r = t.regions[i];
      const prev = i > 0 ? t.regions[i - 1] : null;
      if (
        prev &&
        prev.end === r.start &&
        prev.nrAccesses === r.nrAccesses &&
        prev.lastNrAccesses === r.lastNrAccesses &&
        prev.age === r.age &&
        r.end - prev.start <= maxRegionSz
      ) {
        // damos_apply_target only extends prev: its probe hits stay its own (no averaging).
        prev.end = r.end;
        t.regions.splice(i, 1);
        i--;
      }
    }
  }

  private doApplySchemes(ctx: Context, t: Target, ti: number, i: number): void {
    for (const [si, s] of this.schemes.entries()) {
      if (!this.isDue(ctx, s)) continue;
      if (quotaIsFull(s.quota, ctx.minRegionSz)) continue;
      if (skipChargedRegion(t, ti, i, s.quota, ctx.minRegionSz)) continue;
      if (s.maxNrSnapshots && s.stat.nrSnapshots >= s.maxNrSnapshots) continue;
      if (this.validTarget(ctx, t, t.regions[i], s)) this.applySchemeAt(ctx, t, ti, i, s, si);
      if (i === t.regions.length - 1) s.stat.nrSnapshots++;
    }
  }

  /**
   * `damos_apply_scheme` (§6.5): quota trim, core filters, the action, charge and
   * stats, for the region at `i` of target `ti` (`si`: the scheme's index).
   */
  applySchemeAt(ctx: Context, t: Target, ti: number, i: number, s: Scheme, si: number): void {
    const q = s.quota;
    let r = t.regions[i];
    let sz = r.end - r.start;
    let applied = 0;
    let passed = 0;
    const executor = this.opts.executor;
    // Without an executor (a test context) the whole region counts as tried.
    if (executor) {
      if (quotaIsSet(q) && q.chargedSz + sz > q.esz) {
        sz = alignDown(q.esz - q.chargedSz, ctx.minRegionSz);
        if (sz === 0) {
          // Tried with nothing left: counted, region untouched, age kept.
          this.countTried(s, 0, 0, 0);
          return;
        }
        if (sz < r.end - r.start) splitRegionAtIndex(t, i, sz);
      }
      if (coreFiltersReject(s, t, ti, i, ctx)) return;
      r = t.regions[i];
      sz = r.end - r.start;
      const res = executor.applyScheme(ctx, t, r, s);
      applied = res.applied;
      passed = res.filterPassed;
      this.recordTried(ctx, r, s, si, passed);
      q.totalChargedNs += res.costNs;
      chargeQuota(q, sz, applied);
      if (quotaIsFull(q, ctx.minRegionSz)) {
        q.chargeTargetFrom = ti;
        q.chargeAddrFrom = r.end;
      }
    }
    if (s.action !== "stat") r.age = 0;
    this.countTried(s, sz, applied, passed);
  }

  private countTried(s: Scheme, sz: number, applied: number, passed: number): void {
    s.stat.nrTried++;
    s.stat.szTried += sz;
    if (applied) s.stat.nrApplied++;
    s.stat.szApplied += applied;
    s.stat.szOpsFilterPassed += passed;
  }

  private recordTried(ctx: Context, r: Region, s: Scheme, si: number, passed: number): void {
    const w = this.walk;
    if (!w || !w.started[si] || w.done[si]) return;
    w.regions[si].push({
      start: r.start,
      end: r.end,
      nrAccesses: regionNrAccesses(ctx, r),
      age: r.age,
      szFilterPassed: passed,
    });
  }
}
