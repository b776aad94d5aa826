/**
 * `live:PID`: a live session (src/live) on a process the user names, its
 * aggregations fed into the same accumulator a simulated run uses. The session
 * runs on the wall clock with real sleeps, so the server shares its thread.
 */
import type { Attrs } from "../../core/attrs.js";
import type { ReportStats } from "../../core/report.js";
import { runLive, type LiveResult } from "../../live/session.js";
import { RunAccumulator } from "../accumulator.js";
import { contextUpdate } from "../sim-update.js";

export function liveAccumulator(pid: number): RunAccumulator {
  return new RunAccumulator(`live:${pid}`);
}

/** Observes `pid` until it exits or `signal` aborts; every aggregation updates `acc`. */
export async function feedLive(
  pid: number,
  attrs: Attrs,
  acc: RunAccumulator,
  signal: AbortSignal,
): Promise<LiveResult> {
  let reports: ReportStats | null = null;
  try {
    return await runLive({
      pid,
      attrs,
      signal,
      onView: (s) => {
        reports = s.reports;
      },
      onSnapshot: (s) => acc.observe(contextUpdate("0", attrs, reports, [], s.targets, true)),
    });
  } finally {
    acc.finish();
  }
}
