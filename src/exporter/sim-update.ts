/**
 * What a simulated run tells its exporter at every aggregation: small plain
 * messages built on the simulating thread (O(regions) each) and posted to the
 * server's thread, which keeps the run's history (accumulator.ts).
 */
import type { Context } from "../core/context.js";
import type { DamosHandle } from "../eval/damos.js";
import type { WindowSnapshot } from "../eval/experiment.js";
import { schemeOutcome } from "../schemes/stats.js";
import type { Scheme } from "../schemes/types.js";
import type { ReportStats } from "../core/report.js";
import type { TargetSnapshot } from "../core/snapshot.js";
import { bandwidthBytesPerSec, idleQuantiles } from "./quantiles.js";
import type { ContextReading, SchemeReading } from "./reading.js";

/** One kdamond's state after an aggregation; targets carry this snapshot's WSS. */
export interface SimUpdate {
  /** Whether this update ends an aggregation (counts a snapshot and adds WSS history). */
  aggregated: boolean;
  context: Omit<ContextReading, "snapshots" | "targets"> & {
    targets: { target: string; nrRegions: number; wssBytes: number }[];
  };
}

export function schemeReading(s: Scheme, i: number): SchemeReading {
  return {
    scheme: String(i),
    action: s.action,
    ...schemeOutcome(s),
  };
}

/** The update of a kdamond from plain parts (live mode has no simulated context). */
export function contextUpdate(
  kdamond: string,
  attrs: { sampleUs: number; aggrUs: number },
  reports: ReportStats | null,
  schemes: readonly Scheme[],
  targets: readonly TargetSnapshot[],
  aggregated: boolean,
): SimUpdate {
  const regions = targets.flatMap((t) => t.regions);
  return {
    aggregated,
    context: {
      kdamond,
      context: "0",
      sampleUs: attrs.sampleUs,
      aggrUs: attrs.aggrUs,
      bandwidthBytesPerSec: bandwidthBytesPerSec(regions, attrs.aggrUs),
      idleSeconds: idleQuantiles(regions, attrs.aggrUs),
      reportsReceived: reports?.received ?? null,
      reportRingDrops: reports?.overflowed ?? null,
      targets: targets.map((t, i) => {
        let wss = 0;
        for (const r of t.regions) if (r.nrAccesses > 0) wss += r.end - r.start;
        return { target: String(i), nrRegions: t.regions.length, wssBytes: wss };
      }),
      schemes: schemes.map(schemeReading),
    },
  };
}

/**
 * The update of a simulated kdamond: the snapshot just taken for the monitored
 * one; the others (no snapshot hook; their counters are mid-window when this
 * runs) report only intervals, reports and schemes.
 */
export function simUpdate(
  kdamond: string,
  ctx: Context,
  schemes: readonly Scheme[],
  snap: WindowSnapshot | null,
): SimUpdate {
  return contextUpdate(kdamond, ctx.attrs, ctx.reports.stats, schemes, snap?.targets ?? [], snap !== null);
}

/** Hooks for one simulated run (runExperiment's onSetup / onSnapshot). */
export interface RunHooks {
  onSetup(this: void, m: unknown, ctx: Context): void;
  onSnapshot(snap: WindowSnapshot): void;
  /** Posts the state at the end of the run (schemes keep acting after the last aggregation). */
  flush(): void;
}

/**
 * Builds the hooks of each run of a `run` command: the monitored kdamond's
 * snapshots, plus the other kdamonds of the DAMOS handle (tiering runs one per
 * node), numbered on from `firstKdamond` so several --ops runs do not collide.
 */
export function runHooks(
  post: (u: SimUpdate) => void,
  firstKdamond: number,
  handle: DamosHandle | undefined,
): RunHooks {
  let main: Context | null = null;
  let last: WindowSnapshot | null = null;
  const postAll = (snap: WindowSnapshot, aggregated: boolean): void => {
    if (!main) return;
    const runners = handle?.runners ?? [];
    const ctxs = handle?.kdamonds?.map((k) => k.ctx) ?? [];
    post({ ...simUpdate(String(firstKdamond), main, runners[0]?.schemes ?? [], snap), aggregated });
    for (let k = 1; k < runners.length; k++)
      if (ctxs[k]) post(simUpdate(String(firstKdamond + k), ctxs[k], runners[k].schemes, null));
  };
  return {
    onSetup: (_m, ctx) => {
      main = ctx;
    },
    onSnapshot: (snap) => {
      last = snap;
      postAll(snap, true);
    },
    flush: () => {
      if (last) postAll(last, false);
    },
  };
}
