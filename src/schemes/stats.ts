/**
 * A scheme's outcome as every report of it shows it (`run --json`, the human
 * table, the exporter, the web UI): its stats plus the effective size quota.
 * `Scheme.stat` keeps counting while a run goes on, so reports take a copy.
 */
import type { Quota, Scheme, SchemeStats } from "./types.js";

/** The stats and effective quota of one scheme; the key order is that of `run --json`. */
export type SchemeOutcome = SchemeStats & {
  /** The quota's effective size limit in bytes; null when there is no size limit. */
  effectiveQuotaBytes: number | null;
};

/** The effective size quota in bytes, or null when it does not limit (0 or unlimited). */
export function effectiveQuotaBytes(q: Quota): number | null {
  return Number.isFinite(q.esz) && q.esz > 0 ? q.esz : null;
}

/** A copy of a scheme's stats and effective quota now. */
export function schemeOutcome(s: Scheme): SchemeOutcome {
  const st = s.stat;
  return {
    nrTried: st.nrTried,
    szTried: st.szTried,
    nrApplied: st.nrApplied,
    szApplied: st.szApplied,
    szOpsFilterPassed: st.szOpsFilterPassed,
    qtExceeds: st.qtExceeds,
    nrSnapshots: st.nrSnapshots,
    effectiveQuotaBytes: effectiveQuotaBytes(s.quota),
  };
}
