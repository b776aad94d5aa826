import { makeSnapshot } from "../../src/record/model.js";
import type { DamonRecord, Snapshot } from "../../src/record/model.js";

/** A one-target record (kdamond 0, context 0, 5 ms / 100 ms / 1 s) with the given snapshots. */
export function recordOf(snapshots: Snapshot[]): DamonRecord {
  return {
    kdamondIdx: 0,
    contextIdx: 0,
    intervals: { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000, goal: null },
    schemeIdx: null,
    targetId: "0",
    schemeFilters: [],
    dataSource: null,
    snapshots,
  };
}

/** formats.md §2.3: the two-snapshot record damo was run on. */
export function twoSnapshotRecord(): DamonRecord {
  return recordOf([
    makeSnapshot(0, 100e6, [
      { start: 4096, end: 1052672, nrAccesses: 20, age: 0 },
      { start: 1052672, end: 4198400, nrAccesses: 0, age: 0 },
    ]),
    makeSnapshot(100e6, 200e6, [
      { start: 4096, end: 1052672, nrAccesses: 10, age: 1 },
      { start: 1052672, end: 4198400, nrAccesses: 5, age: 0 },
    ]),
  ]);
}
