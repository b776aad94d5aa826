/**
 * Recording from a kernel DAMON: start the configuration with a monitoring `stat`
 * scheme appended (its tried regions are one aggregation's regions), then every
 * aggregation interval run `update_schemes_tried_regions` and read the regions back.
 * Timestamps are host wall time since the start, in ns.
 */
import type { KdamondsConfig } from "../config/kdamonds.js";
import type { KernelBackend } from "./backend.js";
import type { Snapshot } from "./snapshot.js";
import { withMonitorScheme } from "./write-plan.js";

export interface KernelRecordOptions {
  durationMs: number;
  /** Called after each snapshot (progress). */
  onSnapshot?: (s: Snapshot, index: number) => void;
  /** Checked between snapshots; return true to stop early (e.g. after SIGINT). */
  shouldStop?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  nowNs?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hrNowNs = () => Number(process.hrtime.bigint());

/** Records snapshots of kdamond 0 / context 0 (the layout damo's record uses) and stops the kdamonds at the end. */
export async function recordKernel(
  backend: KernelBackend,
  config: KdamondsConfig,
  opts: KernelRecordOptions,
): Promise<Snapshot[]> {
  const { config: withMon, schemeIdx } = withMonitorScheme(config);
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.nowNs ?? hrNowNs;
  const aggrMs = Math.max(1, config.kdamonds[0].contexts[0].intervals.aggrUs / 1000);
  backend.start(withMon);
  const t0 = now();
  const out: Snapshot[] = [];
  let last = 0;
  try {
    while (now() - t0 < opts.durationMs * 1e6 && !(opts.shouldStop?.() ?? false)) {
      await sleep(aggrMs);
      backend.command("update_schemes_tried_regions");
      const t = now() - t0;
      const snap: Snapshot = {
        startNs: last,
        endNs: t,
        regions: backend.readTriedRegions(0, 0, schemeIdx[0][0]),
      };
      last = t;
      out.push(snap);
      opts.onSnapshot?.(snap, out.length - 1);
      if (backend.dryRun) break; // one round of commands shows what would happen
    }
  } finally {
    backend.stop();
  }
  return out;
}
