/**
 * Watermarks (damon-spec.md §6.9): free-memory rate with high/mid/low hysteresis
 * that turns a scheme — and monitoring itself when no scheme is active — off.
 */
import type { Watermarks } from "./types.js";

/**
 * `damos_wmark_wait_us` (D11): 0 when the scheme is active, else the interval to
 * wait before checking again. `metricValue` is null when the metric is unavailable.
 */
export function wmarkWaitUs(w: Watermarks, metricValue: number | null): number {
  if (w.metric === "none" || metricValue === null) return 0;
  const m = metricValue;
  if (m > w.high || m < w.low) {
    w.activated = false;
    return w.intervalUs;
  }
  if (!w.activated && m >= w.mid && m <= w.high) return w.intervalUs;
  w.activated = true;
  return 0;
}
