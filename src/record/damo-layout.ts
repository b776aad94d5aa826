/**
 * The JSON text damo 3.3 itself writes for records (`write_json_compressed` and
 * `write_json`: `json.dumps(records, indent=4)`, then `zlib.compress` at the default
 * level for json_compressed). It differs from RecordWriter's indent-4 layout in what
 * damo derives when it reads a record: `percent` next to `samples`, the age in
 * `usec` as time text next to `aggr_intervals`, an empty `probe_hits` list per region,
 * `sample_interval_us` per snapshot and `data_source` per record. Used to make the
 * records damo would write (benchmarks, damo-compatibility tests), not by the CLI.
 */
import { formatNr, formatSz, formatTimeUsExact } from "./damo-fmt.js";
import { pyInt } from "./pyfmt.js";
import { JsonLayout } from "./json-layout.js";
import type { DamonRecord, Snapshot } from "./model.js";

const ind = (level: number): string => "\n" + " ".repeat(4 * level);

/** One snapshot in damo's layout (snapshots are at nesting level 3). */
export function damoSnapshotText(rec: DamonRecord, snap: Snapshot, first: boolean): string {
  const iv = rec.intervals;
  const S = 3;
  const R = 5;
  let s = (first ? "" : ",") + ind(S) + "{";
  s += ind(S + 1) + `"start_time": "${pyInt(snap.startNs)}",`;
  s += ind(S + 1) + `"end_time": "${pyInt(snap.endNs)}",`;
  s += ind(S + 1) + '"regions": [';
  for (let i = 0; i < snap.nr; i++) {
    const samples = snap.samples[i];
    const age = snap.age[i];
    const szf = snap.szFilterPassed[i];
    // damo's add_unset_unit: percent from samples, usec from aggr_intervals
    const percent = iv ? pyInt(Math.trunc((samples * 100.0) / (iv.aggrUs / iv.sampleUs))) : "null";
    const known = !Number.isNaN(age);
    const usec = known && iv ? JSON.stringify(formatTimeUsExact(age * iv.aggrUs, false)) : "null";
    s +=
      (i ? "," : "") +
      ind(R) +
      "{" +
      ind(R + 1) +
      `"start": "${formatNr(snap.start[i], false)}",` +
      ind(R + 1) +
      `"end": "${formatNr(snap.end[i], false)}",` +
      ind(R + 1) +
      '"nr_accesses": {' +
      ind(R + 2) +
      `"samples": ${pyInt(samples)},` +
      ind(R + 2) +
      `"percent": ${percent}` +
      ind(R + 1) +
      "}," +
      ind(R + 1) +
      '"age": {' +
      ind(R + 2) +
      `"usec": ${usec},` +
      ind(R + 2) +
      `"aggr_intervals": ${known ? `"${formatNr(age, false)}"` : "null"}` +
      ind(R + 1) +
      "}," +
      ind(R + 1) +
      '"probe_hits": [],' +
      ind(R + 1) +
      `"sz_filter_passed": "${formatSz(Number.isNaN(szf) ? 0 : szf, false)}"` +
      ind(R) +
      "}";
  }
  s += (snap.nr ? ind(S + 1) : "") + "],";
  let total = 0;
  for (let i = 0; i < snap.nr; i++) total += snap.end[i] - snap.start[i];
  s += ind(S + 1) + `"total_bytes": "${pyInt(snap.totalBytes ?? total)}",`;
  s += ind(S + 1) + '"damos_stats": null,';
  s +=
    ind(S + 1) +
    `"sample_interval_us": ${snap.sampleIntervalUs === null ? "null" : pyInt(snap.sampleIntervalUs)}`;
  return s + ind(S) + "}";
}

/** The whole text of damo's write_json for these records, in pieces (one per snapshot). */
export function* damoJsonChunks(records: readonly DamonRecord[]): Generator<string> {
  const L = new JsonLayout(4);
  if (records.length === 0) {
    yield "[]";
    return;
  }
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    yield L.recordHead(rec, r === 0, true).replace(/^/, r === 0 ? "[" : "");
    for (let i = 0; i < rec.snapshots.length; i++) yield damoSnapshotText(rec, rec.snapshots[i], i === 0);
    yield L.recordTail({ ...rec, dataSource: rec.dataSource ?? "unknown" }, rec.snapshots.length === 0, true);
  }
  yield "\n]";
}
