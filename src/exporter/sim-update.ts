/**
 * What a simulated run tells its exporter at every aggregation: small plain
 * messages built on the simulating thread (O(regions) each) and posted to the
 * server's thread, which keeps the run's history (accumulator.ts).
 */
import type { Context } from "../core/context.js";
import type { DamosHandle } from "../eval/damos.js";
import type { WindowSnapshot } from "../eval/experiment.js";
import type { Scheme } from "../schemes/types.js";
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
    nrTried: s.stat.nrTried,
    szTried: s.stat.szTried,
    nrApplied: s.stat.nrApplied,
    szApplied: s.stat.szApplied,
    szOpsFilterPassed: s.stat.szOpsFilterPassed,
    qtExceeds: s.stat.qtExceeds,
    effectiveQuotaBytes: Number.isFinite(s.quota.esz) && s.quota.esz > 0 ? s.quota.esz : null,
  };
}

/** The update of a kdamond from its context (and, for the monitored one, the snapshot just taken). */
export function simUpdate(
  kdamond: string,
  ctx: Context,
  schemes: readonly Scheme[],
  snap: WindowSnapshot | null,
): SimUpdate {
  const aggrUs = ctx.attrs.aggrUs;
  const regions = snap
    ? snap.targets.flatMap((t) => t.regions)
    : ctx.targets.flatMap((t) =>
        t.regions.map((r) => ({ start: r.start, end: r.end, nrAccesses: r.nrAccesses, age: r.age })),
      );
  const targets = snap
    ? snap.targets.map((t, i) => {
        let wss = 0;
        for (const r of t.regions) if (r.nrAccesses > 0) wss += r.end - r.start;
        return { target: String(i), nrRegions: t.regions.length, wssBytes: wss };
      })
    : [];
  const rs = ctx.reports.stats;
  return {
    aggregated: snap !== null,
    context: {
      kdamond,
      context: "0",
      sampleUs: ctx.attrs.sampleUs,
      aggrUs,
      bandwidthBytesPerSec: bandwidthBytesPerSec(regions, aggrUs),
      idleSeconds: idleQuantiles(regions, aggrUs),
      reportsReceived: rs.received,
      reportRingDrops: rs.overflowed,
      targets,
      schemes: schemes.map(schemeReading),
    },
  };
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
