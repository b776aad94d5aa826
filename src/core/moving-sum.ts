/**
 * Access-frequency moving sums (damon-spec.md §2.5). The newest kernels compute a
 * pseudo moving sum on demand (`mvsum`, `nrAccessesMvsum`), which this project
 * uses; the classic stored-bp helper `movingSum` is kept for the classic tests
 * and for comparison.
 */
import { multFrac } from "./arith.js";

/** Classic `damon_moving_sum(mvsum, nomvsum, len, new)` = mvsum − nomvsum/len + new (C14, D13). */
export function movingSum(mvsum: number, nomvsum: number, lenWindow: number, newValue: number): number {
  return mvsum - Math.floor(nomvsum / lenWindow) + newValue;
}

/** Newest `mvsum(cur, last, left_bp)` = cur + last·left_bp/10000 (C15). */
export function mvsum(cur: number, last: number, leftBp: number): number {
  return cur + multFrac(last, leftBp, 10000);
}

/** What `nrAccessesMvsum` needs from a context. */
export interface MvsumClock {
  sampleUs: number;
  aggrUs: number;
  passedSampleIntervals: number;
  nextAggregationSis: number;
}

/**
 * A region's access frequency over the last window's worth of samples, at any time
 * (newest `damon_nr_accesses_mvsum`, C16): the current window's count plus the
 * share of the last window not yet covered, assuming its accesses were uniform.
 */
export function nrAccessesMvsum(nrAccesses: number, lastNrAccesses: number, c: MvsumClock): number {
  const windowLen = Math.floor((c.aggrUs || 1) / (c.sampleUs || 1));
  const left =
    c.passedSampleIntervals >= c.nextAggregationSis ? 0 : c.nextAggregationSis - c.passedSampleIntervals;
  const leftBp = multFrac(left, 10000, windowLen);
  if (leftBp === 10000) return lastNrAccesses;
  return mvsum(nrAccesses, lastNrAccesses, leftBp);
}
