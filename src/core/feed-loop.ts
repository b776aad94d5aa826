/**
 * DAMON's proportional feedback loop (damon-spec.md §6.8.3), used by quota goals
 * and by interval auto-tuning. Computed on unsigned 64-bit values with the
 * kernel's saturation, hence bigint (this is never on a hot path).
 */
import { ULONG_MAX } from "./arith.js";

const GOAL = 10000n;
const MIN_INPUT = 10000n;

/**
 * `damon_feed_loop_next_input(last, score)`: the next input given the last input
 * and a score in bp where 10000 means "goal met" (C34, D1–D5).
 */
export function feedLoopNextInput(last: bigint | number, score: bigint | number): bigint {
  const l = BigInt(last);
  const s = BigInt(score);
  if (s === GOAL) return l;
  if (s >= 2n * GOAL) return MIN_INPUT;
  const diff = s > GOAL ? s - GOAL : GOAL - s;
  const comp = l < ULONG_MAX / diff ? (l * diff) / GOAL : (l / GOAL) * diff;
  if (s > GOAL) {
    const reduced = l - comp;
    return reduced > MIN_INPUT ? reduced : MIN_INPUT;
  }
  return l < ULONG_MAX - comp ? l + comp : ULONG_MAX;
}
