/** NUMA balancing's adaptive scan period (the kernel's update_task_scan_period, simplified). */

/** Ten slots per period; a local share of 7/10 or more slows scanning down. */
const SLOTS = 10;
const LOCAL_THRESHOLD = 7;

/**
 * The scan period after a scan window with `local` and `remote` hint faults,
 * within [minMs, maxMs]. A window with no hint faults doubles the period.
 * Otherwise the local share in tenths decides: at 7/10 or more, scanning slows by
 * (tenths − 7, at least 1) tenths of the period; below, it speeds up by
 * (7 − tenths) tenths. This follows the kernel's rule of NUMA_PERIOD_SLOTS /
 * NUMA_PERIOD_THRESHOLD, with locality standing in for the private/shared split,
 * which the model lacks.
 */
export function nextScanPeriodMs(
  periodMs: number,
  local: number,
  remote: number,
  minMs: number,
  maxMs: number,
): number {
  const total = local + remote;
  let p = periodMs;
  if (total === 0) p *= 2;
  else {
    const tenths = Math.floor((local * SLOTS) / total);
    const slot = Math.ceil(p / SLOTS);
    p +=
      tenths >= LOCAL_THRESHOLD
        ? Math.max(1, tenths - LOCAL_THRESHOLD) * slot
        : -(LOCAL_THRESHOLD - tenths) * slot;
  }
  return Math.min(maxMs, Math.max(minMs, p));
}
