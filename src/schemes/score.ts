/**
 * Prioritisation under quota (damon-spec.md §6.7): hot and cold scores (0..99)
 * from access frequency and age, which action uses which, and the min_score that
 * the score histogram gives for the effective size quota.
 */
import { multFrac } from "../core/arith.js";
import { nrSamplesPerAggr } from "../core/attrs.js";
import type { Context } from "../core/context.js";
import { nrAccessesMvsum } from "../core/moving-sum.js";
import type { Region } from "../core/region.js";
import type { DamosAction, Quota, Scheme } from "./types.js";

export const DAMOS_MAX_SCORE = 99;
const DAMON_MAX_AGE_IN_LOG = 32;

/** The region's frequency as consumers see it: the newest computed moving sum (§2.5). */
export function regionNrAccesses(ctx: Context, r: Region): number {
  return nrAccessesMvsum(r.nrAccesses, r.lastNrAccesses, {
    sampleUs: ctx.attrs.sampleUs,
    aggrUs: ctx.attrs.aggrUs,
    passedSampleIntervals: ctx.passedSampleIntervals,
    nextAggregationSis: ctx.nextAggregationSis,
  });
}

/** `damon_hot_score` (D9) from a frequency (samples) and age (aggregation intervals). */
export function hotScoreOf(
  nr: number,
  age: number,
  attrs: { sampleUs: number; aggrUs: number },
  weights: { nr: number; age: number },
): number {
  const freqSub = multFrac(nr, 100, nrSamplesPerAggr(attrs));
  const ageSec = Math.floor((age * attrs.aggrUs) / 1_000_000);
  let ageLog = 0;
  if (ageSec > 0) ageLog = Math.min(ilog2(ageSec) + 1, DAMON_MAX_AGE_IN_LOG);
  if (freqSub === 0) ageLog = -ageLog; // old and idle: colder
  const ageSub = Math.trunc(Math.trunc(((ageLog + DAMON_MAX_AGE_IN_LOG) * 100) / DAMON_MAX_AGE_IN_LOG) / 2);
  let hot = weights.nr * freqSub + weights.age * ageSub;
  if (weights.nr + weights.age) hot = Math.trunc(hot / (weights.nr + weights.age));
  hot = Math.trunc((hot * DAMOS_MAX_SCORE) / 100);
  return Math.max(0, Math.min(DAMOS_MAX_SCORE, hot));
}

export function hotScore(ctx: Context, r: Region, q: Quota): number {
  return hotScoreOf(regionNrAccesses(ctx, r), r.age, ctx.attrs, { nr: q.weightNrAccesses, age: q.weightAge });
}

export function coldScore(ctx: Context, r: Region, q: Quota): number {
  return DAMOS_MAX_SCORE - hotScore(ctx, r, q);
}

/** Which score an action prioritises by (§6.7 table; same for virtual and physical ops). */
export function scoreKindOf(action: DamosAction): "hot" | "cold" | "max" {
  if (action === "pageout" || action === "migrate_cold" || action === "lru_deprio") return "cold";
  if (action === "migrate_hot" || action === "lru_prio") return "hot";
  return "max";
}

/**
 * The score DAMON's vaddr and paddr sets give (`damon_{va,pa}_scheme_score`):
 * cold score for actions that demote, hot score for those that promote, else max.
 */
export function scoreByAction(ctx: Context, r: Region, s: Scheme): number {
  const kind = scoreKindOf(s.action);
  if (kind === "hot") return hotScore(ctx, r, s.quota);
  if (kind === "cold") return coldScore(ctx, r, s.quota);
  return DAMOS_MAX_SCORE;
}

/**
 * `min_score` (§6.7, D10): scanning the score histogram from the top, the first
 * score at which the accumulated bytes reach the effective size quota.
 */
export function minScoreOf(histogram: Float64Array, maxScore: number, esz: number): number {
  let cumulated = 0;
  let score = maxScore;
  for (; score >= 0; score--) {
    cumulated += histogram[score];
    if (cumulated >= esz) break;
  }
  return Math.max(score, 0);
}

/** floor(log2(x)) for x ≥ 1, exact for every integer. */
function ilog2(x: number): number {
  if (x < 2 ** 32) return 31 - Math.clz32(x);
  return 32 + ilog2(Math.floor(x / 2 ** 32));
}
