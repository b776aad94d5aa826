/**
 * The guest's snapshots as a damo-compatible record on the host (what `damo record`
 * writes from the same tracepoint): one record for the monitored target, with the
 * context's intervals; times stay the guest's CLOCK_MONOTONIC ns.
 */
import type { KdamondsConfig } from "../config/kdamonds.js";
import type { Snapshot } from "../kernel/snapshot.js";
import type { RecordFormat } from "../record/read.js";
import { RecordWriter } from "../record/write.js";

export function writeVmRecord(
  path: string,
  snapshots: readonly Snapshot[],
  config: KdamondsConfig | undefined,
  format: RecordFormat = "json_compressed",
): void {
  const iv = config?.kdamonds[0]?.contexts[0]?.intervals;
  const w = new RecordWriter(path, {
    format,
    targetId: 0,
    intervals: iv
      ? { sampleUs: iv.sampleUs, aggrUs: iv.aggrUs, updateUs: iv.updateUs }
      : { sampleUs: 5000, aggrUs: 100_000, updateUs: 1_000_000 },
  });
  try {
    for (const s of snapshots) w.addSnapshot({ startNs: s.startNs, endNs: s.endNs, regions: s.regions });
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
}
