/**
 * damo's record adjustment (`adjust`, and the first step of `report wss`):
 * skip the first N snapshots, then merge consecutive snapshots until each group
 * spans at least the new aggregation interval. Merging follows damo exactly: a
 * region of a later snapshot adds the largest nr_accesses among the overlapping
 * regions of that snapshot, and the parts it does not overlap become new regions
 * (appended, so the merged list is not re-sorted).
 */
import { makeSnapshot } from "./model.js";
import type { DamonRecord, Snapshot } from "./model.js";

interface MRegion {
  start: number;
  end: number;
  samples: number;
  age: number;
  szf: number;
}

function regionsOf(s: Snapshot): MRegion[] {
  const out: MRegion[] = [];
  for (let i = 0; i < s.nr; i++)
    out.push({
      start: s.start[i],
      end: s.end[i],
      samples: s.samples[i],
      age: s.age[i],
      szf: s.szFilterPassed[i],
    });
  return out;
}

function szfForSize(r: MRegion, newSize: number): number {
  if (Number.isNaN(r.szf)) return NaN;
  return Math.trunc((r.szf / (r.end - r.start)) * newSize);
}

function addRegion(regions: MRegion[], region: MRegion, toAdd: Map<MRegion, number>): void {
  for (const r of regions) {
    if (r.end <= region.start || region.end <= r.start) continue;
    toAdd.set(r, Math.max(toAdd.get(r) ?? 0, region.samples));
    const parts: MRegion[] = [];
    if (region.start < r.start)
      parts.push({
        start: region.start,
        end: r.start,
        samples: region.samples,
        age: region.age,
        szf: szfForSize(region, r.start - region.start),
      });
    if (r.end < region.end)
      parts.push({
        start: r.end,
        end: region.end,
        samples: region.samples,
        age: region.age,
        szf: szfForSize(region, region.end - r.end),
      });
    for (const p of parts) addRegion(regions, p, toAdd);
    return;
  }
  regions.push(region);
}

function toSnapshot(startNs: number, endNs: number, regions: MRegion[]): Snapshot {
  return makeSnapshot(
    startNs,
    endNs,
    regions.map((r) => ({
      start: r.start,
      end: r.end,
      nrAccesses: r.samples,
      age: r.age,
      szFilterPassed: r.szf,
    })),
  );
}

/** Merges snapshots into one (damo's aggregate_snapshots). */
export function aggregateSnapshots(snaps: readonly Snapshot[]): Snapshot {
  if (snaps.length === 1) {
    const s = snaps[0];
    return { ...s, totalBytes: null };
  }
  const merged: MRegion[] = [];
  for (const s of snaps) {
    const toAdd = new Map<MRegion, number>();
    for (const r of regionsOf(s)) addRegion(merged, r, toAdd);
    for (const [r, add] of toAdd) r.samples += add;
  }
  return toSnapshot(snaps[0].startNs, snaps[snaps.length - 1].endNs, merged);
}

/** Groups snapshots until each group spans >= aggrUs (a trailing partial group is dropped). */
export function adjustedSnapshots(snaps: readonly Snapshot[], aggrUs: number): Snapshot[] {
  const out: Snapshot[] = [];
  let group: Snapshot[] = [];
  for (const s of snaps) {
    group.push(s);
    if (group[group.length - 1].endNs - group[0].startNs >= aggrUs * 1000) {
      out.push(aggregateSnapshots(group));
      group = [];
    }
  }
  return out;
}

/** damo's adjust_records: in place on the given records. */
export function adjustRecords(records: DamonRecord[], aggrUs: number, skip: number): void {
  for (const rec of records) {
    if (rec.intervals) rec.intervals = { ...rec.intervals, aggrUs };
    rec.snapshots = adjustedSnapshots(rec.snapshots.slice(skip), aggrUs);
  }
}
