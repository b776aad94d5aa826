/**
 * The kdamond main loop (damon-spec.md §2.1, §2.2) as a steppable engine on a
 * clock: no timers, no sleeping. One iteration is split at the sampling sleep, so
 * a simulator can run its workload for exactly one sample interval between
 * `beginIteration()` and `endIteration()`; `step()` does both on a clock it may
 * advance itself.
 *
 * Order per iteration (§2.2): watermark gate → prepare, prep probes → (sample
 * interval) → check, apply probes → [boundary: merge, apply min_nr_regions] → calls → pause → schemes →
 * [boundary: tune, reset (emit the aggregated snapshot), split] → [update].
 */
import { applyMinNrRegions, kdamondMergeRegions, kdamondSplitRegions } from "./adjust.js";
import type { Clock } from "./clock.js";
import type { Context } from "./context.js";
import { tuneIntervals } from "./tune.js";
import { hasPrep, hasProbeWeights } from "./probe.js";
import { DamonInvalidError } from "../util/errors.js";
import { snapshotRegions } from "./snapshot.js";
import type { TargetSnapshot } from "./snapshot.js";

/** DAMOS plugs in here (issue 6); the core only knows these three entry points. */
export interface SchemesEngine {
  /** At kdamond start (apply deadlines, filter defaults). */
  start(ctx: Context): void;
  /** Minimum watermark wait over schemes in µs; 0 means "active" (§6.9). */
  watermarkWaitUs(ctx: Context, nowNs: number): number;
  /** Step 10 of the loop: apply due schemes (§6.5). */
  apply(ctx: Context, nowNs: number): void;
  /** After `setAttrs` (`damon_set_attrs` → `damos_set_next_apply_sis` for every scheme). */
  attrsChanged?(ctx: Context): void;
}

/** A complete aggregation window, observed just before the counters reset. */
export interface AggregationEvent {
  /** The live context: valid only inside the callback (counters reset right after). */
  ctx: Context;
  /** A copy of every target's regions with the window's counters, safe to keep. */
  targets: TargetSnapshot[];
  /** Window start and end on the engine's clock. */
  startNs: number;
  endNs: number;
  /** Index of this aggregation since start (0-based). */
  index: number;
}

export type AggregationObserver = (ev: AggregationEvent) => void;

/** What the driver should do next: let `durationNs` pass, then call `endIteration` if `sampling`. */
export interface IterationPlan {
  sampling: boolean;
  durationNs: number;
}

/** The steppable kdamond. */
export class Kdamond {
  readonly ctx: Context;
  private readonly clock: Clock;
  private readonly observers: AggregationObserver[] = [];
  private readonly calls: ((ctx: Context) => void)[] = [];
  private started = false;
  private stopped = false;
  private szLimit = 0;
  private windowStartNs = 0;
  private nrAggregations = 0;
  // Snapshots taken at the start of an iteration (§2.2 step 1).
  private snapNextAggr = 0;
  private snapNextUpdate = 0;
  private inSample = false;
  /** The iteration stopped at the pause point; steps 10–12 run once unpaused. */
  private pausedAfterMerge = false;
  /** Read at the start of an iteration, as `kdamond_fn` does: weighted probes disable access checks. */
  private accessCheckDisabled = false;
  private doPrep = false;

  constructor(ctx: Context, clock: Clock) {
    this.ctx = ctx;
    this.clock = clock;
  }

  /** The context's DAMOS engine (kept on the context, like the kernel's `ctx->schemes`). */
  get schemes(): SchemesEngine | null {
    return this.ctx.schemes;
  }

  set schemes(s: SchemesEngine | null) {
    this.ctx.schemes = s;
  }

  /** Observes every aggregated window (the kernel's damon_aggregated trace point). */
  onAggregated(fn: AggregationObserver): () => void {
    this.observers.push(fn);
    return () => {
      const i = this.observers.indexOf(fn);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** Queues a function to run in the kdamond at the next call point (`damon_call`). */
  call(fn: (ctx: Context) => void): void {
    this.calls.push(fn);
  }

  /** Asks the kdamond to stop; the next iteration does nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.ops.cleanup?.(this.ctx);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The current merge size limit (§3.3). */
  get regionSizeLimit(): number {
    return this.szLimit;
  }

  /** Start-up (§2.1): clocks, schemes, ops.init, min_nr_regions. */
  start(): void {
    if (this.started) throw new Error("kdamond already started");
    const ctx = this.ctx;
    const sample = ctx.attrs.sampleUs || 1;
    ctx.passedSampleIntervals = 0;
    ctx.nextAggregationSis = Math.floor(ctx.attrs.aggrUs / sample);
    ctx.nextOpsUpdateSis = Math.floor(ctx.attrs.updateUs / sample);
    ctx.nextIntervalsTuneSis = ctx.nextAggregationSis * ctx.attrs.intervalsGoal.aggrs;
    if (ctx.probes.length > 0 && !ctx.ops.applyProbes)
      throw new DamonInvalidError(
        `the ${ctx.ops.name} operation set does not evaluate probes (vaddr and paddr do)`,
      );
    this.schemes?.start(ctx);
    ctx.ops.init?.(ctx);
    this.szLimit = applyMinNrRegions(ctx);
    this.windowStartNs = this.clock.nowNs();
    this.started = true;
  }

  private needStop(): boolean {
    if (this.stopped) return true;
    const ops = this.ctx.ops;
    if (ops.targetValid && !this.ctx.targets.some((t) => ops.targetValid!(t))) {
      this.stop();
      return true;
    }
    return false;
  }

  private runCalls(): void {
    while (this.calls.length > 0) this.calls.shift()!(this.ctx);
  }

  /**
   * First half of an iteration: watermark gate and access-check preparation.
   * Returns what to do next; a stopped kdamond returns a plan of zero duration.
   */
  beginIteration(): IterationPlan {
    if (!this.started) this.start();
    if (this.inSample) throw new Error("beginIteration called twice without endIteration");
    const ctx = this.ctx;
    const sampleNs = (ctx.attrs.sampleUs || 1) * 1000;
    if (this.needStop()) return { sampling: false, durationNs: 0 };
    if (this.pausedAfterMerge) {
      this.runCalls();
      if (ctx.pause) return { sampling: false, durationNs: sampleNs };
      this.pausedAfterMerge = false;
      this.finishIteration();
    }
    this.snapNextAggr = ctx.nextAggregationSis;
    this.snapNextUpdate = ctx.nextOpsUpdateSis;
    if (this.schemes) {
      const waitUs = this.schemes.watermarkWaitUs(ctx, this.clock.nowNs());
      if (waitUs > 0) {
        this.runCalls();
        return { sampling: false, durationNs: waitUs * 1000 };
      }
    }
    this.accessCheckDisabled = hasProbeWeights(ctx.probes);
    this.doPrep = ctx.ops.prepProbes !== undefined && hasPrep(ctx.probes);
    if (!this.accessCheckDisabled) ctx.ops.prepareAccessChecks?.(ctx);
    if (this.doPrep) ctx.ops.prepProbes!(ctx, this.accessCheckDisabled);
    this.inSample = true;
    return { sampling: true, durationNs: sampleNs };
  }

  /** Second half of an iteration, after one sample interval has passed. */
  endIteration(): void {
    if (!this.inSample) throw new Error("endIteration without beginIteration");
    this.inSample = false;
    const ctx = this.ctx;
    ctx.passedSampleIntervals++;
    const disabled = this.accessCheckDisabled;
    let maxScore = 0;
    if (!disabled) {
      ctx.nrAccessChecks++;
      maxScore = ctx.ops.checkAccesses
        ? ctx.ops.checkAccesses(ctx)
        : ctx.reports.drain(ctx, this.clock.nowNs());
    }
    if (ctx.ops.applyProbes) {
      const getMaxWsum = disabled && ctx.passedSampleIntervals >= this.snapNextAggr;
      const maxWsum = ctx.ops.applyProbes(ctx, disabled && !this.doPrep, getMaxWsum);
      if (getMaxWsum) maxScore = maxWsum;
    }
    if (ctx.passedSampleIntervals >= this.snapNextAggr) {
      kdamondMergeRegions(ctx, Math.floor(maxScore / 10), this.szLimit);
      this.szLimit = applyMinNrRegions(ctx);
    }
    this.runCalls();
    if (this.stopped) return;
    if (ctx.pause) {
      this.pausedAfterMerge = true;
      return;
    }
    this.finishIteration();
  }

  /** Steps 10–12: schemes, aggregation-boundary work, ops update. */
  private finishIteration(): void {
    const ctx = this.ctx;
    const now = this.clock.nowNs();
    this.schemes?.apply(ctx, now);
    let sample = ctx.attrs.sampleUs || 1;
    if (ctx.passedSampleIntervals >= this.snapNextAggr) {
      const g = ctx.attrs.intervalsGoal;
      if (g.aggrs !== 0 && ctx.passedSampleIntervals >= ctx.nextIntervalsTuneSis) {
        // Restore the deadline so the tuner's setAttrs does not think it is mid-window.
        ctx.nextAggregationSis = this.snapNextAggr;
        ctx.nextIntervalsTuneSis += ctx.aggrSamples * g.aggrs;
        tuneIntervals(ctx);
        sample = ctx.attrs.sampleUs || 1;
      }
      ctx.nextAggregationSis = this.snapNextAggr + Math.floor(ctx.attrs.aggrUs / sample);
      this.emitAggregated(now);
      resetAggregated(ctx);
      kdamondSplitRegions(ctx);
    }
    if (ctx.passedSampleIntervals >= this.snapNextUpdate) {
      ctx.nextOpsUpdateSis = this.snapNextUpdate + Math.floor(ctx.attrs.updateUs / sample);
      ctx.ops.update?.(ctx);
    }
  }

  private emitAggregated(now: number): void {
    const ev: AggregationEvent = {
      ctx: this.ctx,
      targets: snapshotRegions(this.ctx),
      startNs: this.windowStartNs,
      endNs: now,
      index: this.nrAggregations++,
    };
    this.windowStartNs = now;
    for (const fn of this.observers) fn(ev);
  }

  /** One whole iteration on a clock that can be advanced. Returns false once stopped. */
  step(): boolean {
    const plan = this.beginIteration();
    if (this.stopped) return false;
    if (!this.clock.advance) throw new Error("step() needs a clock with advance(); drive the halves instead");
    this.clock.advance(plan.durationNs);
    if (plan.sampling) this.endIteration();
    return !this.stopped;
  }

  /** Steps until the clock reaches `untilNs` (or the kdamond stops). */
  runUntil(untilNs: number): void {
    while (this.clock.nowNs() < untilNs && this.step());
  }

  /** Steps until the next aggregation completes; returns its event (or null if stopped). */
  nextAggregation(): AggregationEvent | null {
    let got: AggregationEvent | null = null;
    const off = this.onAggregated((ev) => {
      got = ev;
    });
    try {
      while (got === null && this.step());
    } finally {
      off();
    }
    return got;
  }

  /** Iterates over aggregation windows as they complete (`for (const ev of kd.aggregations(n))`). */
  *aggregations(limit = Infinity): Generator<AggregationEvent> {
    for (let i = 0; i < limit; i++) {
      const ev = this.nextAggregation();
      if (ev === null) return;
      yield ev;
    }
  }
}

/**
 * `kdamond_reset_aggregated` (C3): last = current, current = 0, for every region,
 * the access count and all DAMON_MAX_PROBES probe-hit counters alike.
 */
export function resetAggregated(ctx: Context): void {
  for (const t of ctx.targets) {
    for (const r of t.regions) {
      r.lastNrAccesses = r.nrAccesses;
      r.nrAccesses = 0;
      r.lastProbeHits.set(r.probeHits);
      r.probeHits.fill(0);
    }
  }
}
