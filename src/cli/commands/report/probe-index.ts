/**
 * `--probe <n>` of the reports drawn from access counts (heatmap, wss): probe N's
 * hits in place of accesses. Apart from the run's `--probe` options
 * (probe-options.ts), whose probe parser a report need not load.
 */
import type { DamonRecord } from "../../../record/model.js";
import { probeHitsAsAccesses } from "../../../record/probe-hits.js";
import { UsageError } from "../../../util/errors.js";

/** Help of `--probe <n>` on reports drawn from access counts (heatmap, wss). */
export const PROBE_INDEX_HELP =
  "draw probe N's hits (0-based; records made with --probe) instead of accesses";

/** The records as given, or with probe N's hits in place of access counts when --probe N is set. */
export function recordsForProbe(records: DamonRecord[], probe: unknown): DamonRecord[] {
  if (probe === undefined) return records;
  const text = typeof probe === "string" ? probe : "";
  if (!/^\d+$/.test(text)) throw new UsageError(`'${text}' is not a probe index (0, 1, 2 or 3)`, "--probe");
  return probeHitsAsAccesses(records, Number(text));
}
