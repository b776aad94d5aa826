/**
 * Where `damon-ts live --record FILE` writes its aggregation windows. The damo
 * record writer (src/record) is not on this branch yet, so this adapter writes
 * the same content as JSON (schema damon-ts/live-record/1: attrs, pid, and per
 * window its regions with nr_accesses and age). It has the writer's shape
 * (addSnapshot per window, close) so switching to src/record is one import.
 */
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Attrs } from "../core/attrs.js";
import type { LiveSnapshot } from "./session.js";

export class LiveRecordAdapter {
  private readonly snapshots: LiveSnapshot[] = [];

  constructor(readonly path: string) {}

  addSnapshot(s: LiveSnapshot): void {
    this.snapshots.push(s);
  }

  close(meta: { pid: number; comm: string; attrs: Attrs }): void {
    const a = meta.attrs;
    writeFileAtomic(
      this.path,
      JSON.stringify({
        schema: "damon-ts/live-record/1",
        pid: meta.pid,
        comm: meta.comm,
        intervals: { sampleUs: a.sampleUs, aggrUs: a.aggrUs, updateUs: a.updateUs },
        snapshots: this.snapshots.map((s) => ({
          index: s.index,
          startNs: s.startNs,
          endNs: s.endNs,
          regions: (s.targets[0]?.regions ?? []).map((r) => ({
            start: r.start,
            end: r.end,
            nrAccesses: r.nrAccesses,
            age: r.age,
          })),
        })),
      }) + "\n",
    );
  }
}
