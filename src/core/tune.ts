/**
 * Monitoring intervals auto-tuning (damon-spec.md §4): keep the observed access
 * events at `accessBp` of the theoretical maximum by scaling the sampling
 * interval (the aggregation interval keeps its ratio to it).
 */
import { multFracBig } from "./arith.js";
import type { Attrs } from "./attrs.js";
import { cloneAttrs } from "./attrs.js";
import type { Context } from "./context.js";
import { setAttrs } from "./context.js";
import { feedLoopNextInput } from "./feed-loop.js";

/** The score (bp) of the just-completed aggregation window: observed events / target events. */
export function intervalsTuneScoreBp(ctx: Context): bigint {
  let maxEvents = 0n;
  let events = 0n;
  const aggrSamples = BigInt(ctx.aggrSamples);
  for (const t of ctx.targets) {
    for (const r of t.regions) {
      const sz = BigInt(r.end - r.start);
      maxEvents += sz * aggrSamples;
      events += sz * BigInt(r.nrAccesses);
    }
  }
  let target = (maxEvents * BigInt(ctx.attrs.intervalsGoal.accessBp)) / 10000n;
  if (target === 0n) target = 1n;
  return multFracBig(events, 10000n, target);
}

/**
 * The attributes the tuner moves to for a score, or null for "no change" (D6–D8).
 * Decreases are softened to at least half; the sampling interval is clamped to the
 * goal's [min, max].
 */
export function tunedIntervals(attrs: Attrs, aggrSamples: number, scoreBp: bigint | number): Attrs | null {
  let adaptBp = Number(feedLoopNextInput(100_000_000n, BigInt(scoreBp)) / 10000n);
  if (adaptBp <= 10000) adaptBp = 5000 + Math.floor(adaptBp / 2);
  if (adaptBp === 10000) return null;
  const g = attrs.intervalsGoal;
  let sample = Math.floor((attrs.sampleUs * adaptBp) / 10000);
  sample = Math.min(g.maxSampleUs, sample);
  sample = Math.max(g.minSampleUs, sample);
  const next = cloneAttrs(attrs);
  next.sampleUs = sample;
  next.aggrUs = sample * aggrSamples;
  return next;
}

/**
 * `kdamond_tune_intervals`: scores the window and applies the new intervals,
 * keeping `aggr_samples` (the kernel copies it with the attributes).
 */
export function tuneIntervals(ctx: Context): void {
  const next = tunedIntervals(ctx.attrs, ctx.aggrSamples, intervalsTuneScoreBp(ctx));
  if (next) setAttrs(ctx, next, ctx.aggrSamples);
}
