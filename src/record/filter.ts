/**
 * damo's record filters for `report access` (RecordFilter.filter_records): access
 * pattern (region size, access rate, age), address ranges (regions are clipped),
 * snapshot total size, time and index ranges. Filters return new records; the
 * input is not changed.
 */
import type { DamonRecord, Snapshot } from "./model.js";

export interface RecordFilter {
  /** [min, max] bytes */
  szRegion?: [number, number];
  /** [min, max] percent; needs intervals */
  accessRate?: [number, number];
  /** [min, max] µs; needs intervals */
  ageUs?: [number, number];
  addressRanges?: [number, number][];
  snapshotSz?: [number, number][];
  /** absolute ns, inclusive */
  snapshotTime?: [number, number][];
  /** inclusive indices */
  snapshotIdx?: [number, number][];
}

function mapRegions(s: Snapshot, keep: (i: number) => [number, number][]): Snapshot {
  const st: number[] = [];
  const en: number[] = [];
  const sa: number[] = [];
  const ag: number[] = [];
  const sz: number[] = [];
  for (let i = 0; i < s.nr; i++)
    for (const [a, b] of keep(i)) {
      st.push(a);
      en.push(b);
      sa.push(s.samples[i]);
      ag.push(s.age[i]);
      sz.push(s.szFilterPassed[i]);
    }
  return {
    ...s,
    nr: st.length,
    start: Float64Array.from(st),
    end: Float64Array.from(en),
    samples: Float64Array.from(sa),
    age: Float64Array.from(ag),
    szFilterPassed: Float64Array.from(sz),
  };
}

export function filterRecords(records: readonly DamonRecord[], f: RecordFilter): DamonRecord[] {
  return records.map((rec) => {
    let snaps = rec.snapshots;
    const iv = rec.intervals;
    if (f.szRegion || ((f.accessRate || f.ageUs) && iv)) {
      snaps = snaps.map((s) =>
        mapRegions(s, (i) => {
          const size = s.end[i] - s.start[i];
          if (f.szRegion && (size < f.szRegion[0] || f.szRegion[1] < size)) return [];
          if (iv && f.accessRate) {
            const pct = (s.samples[i] * 100) / (iv.aggrUs / iv.sampleUs);
            if (pct < f.accessRate[0] || f.accessRate[1] < pct) return [];
          }
          if (iv && f.ageUs) {
            const age = (Number.isNaN(s.age[i]) ? 0 : s.age[i]) * iv.aggrUs;
            if (age < f.ageUs[0] || f.ageUs[1] < age) return [];
          }
          return [[s.start[i], s.end[i]]];
        }),
      );
    }
    if (f.addressRanges) {
      const ranges = f.addressRanges;
      snaps = snaps.map((s) => {
        const out = mapRegions(s, (i) => {
          const parts: [number, number][] = [];
          for (const [a, b] of ranges) {
            if (s.end[i] <= a || b <= s.start[i]) continue;
            parts.push([Math.max(a, s.start[i]), Math.min(b, s.end[i])]);
          }
          return parts;
        });
        return { ...out, totalBytes: null };
      });
    }
    if (f.snapshotSz) {
      const rs = f.snapshotSz;
      snaps = snaps.filter((s) => {
        let t = s.totalBytes;
        if (t === null) {
          t = 0;
          for (let i = 0; i < s.nr; i++) t += s.end[i] - s.start[i];
        }
        const total = t;
        return rs.some(([a, b]) => a <= total && total <= b);
      });
    }
    if (f.snapshotTime) {
      const rs = f.snapshotTime;
      snaps = snaps.filter((s) => rs.some(([a, b]) => s.startNs >= a && s.endNs <= b));
    }
    if (f.snapshotIdx) {
      const rs = f.snapshotIdx;
      snaps = snaps.filter((_, idx) => rs.some(([a, b]) => a <= idx && idx <= b));
    }
    return { ...rec, snapshots: snaps };
  });
}
