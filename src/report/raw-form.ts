/**
 * `report access --raw_form`: every snapshot's regions as plain lines
 * (formats.md §2.3), e.g. `000000001000-000000101000 (1024.000 KiB)  20  0`.
 */
import type { DamonRecord } from "../record/model.js";
import { formatSz, formatTimeNs } from "../record/damo-fmt.js";
import { rjust } from "../record/pyfmt.js";

/** Yields the raw-form text in pieces (one per snapshot) so large records stream. */
export function* rawFormChunks(records: readonly DamonRecord[], rawNumber: boolean): Generator<string> {
  const head = `# ${rjust("start_addr", 10)} ${rjust("end_addr", 12)}  ${rjust("length", 12)}  ${rjust("nr_accesses", 11)} ${rjust("age", 5)}`;
  let nrLines = 0;
  for (const rec of records) {
    const snaps = rec.snapshots;
    if (snaps.length === 0) continue;
    const base = snaps[0].startNs;
    nrLines += 3;
    yield `base_time_absolute: ${formatTimeNs(base, rawNumber)}\ndata source: ${rec.dataSource ?? "unknown"}\n\n`;
    const tid = rec.targetId ?? "None";
    for (const s of snaps) {
      const lines: string[] = [
        `monitoring_start:    ${rjust(formatTimeNs(s.startNs - base, rawNumber), 16)}`,
        `monitoring_end:      ${rjust(formatTimeNs(s.endNs - base, rawNumber), 16)}`,
        `monitoring_duration: ${rjust(formatTimeNs(s.endNs - s.startNs, rawNumber), 16)}`,
        `target_id: ${tid}`,
        `nr_regions: ${s.nr}`,
        head,
      ];
      let body = "";
      for (let i = 0; i < s.nr; i++) {
        const a = s.age[i];
        body +=
          hex12(s.start[i]) +
          "-" +
          hex12(s.end[i]) +
          sizeField(s.end[i] - s.start[i], rawNumber) +
          padInt(s.samples[i], 11) +
          " " +
          padInt(Number.isNaN(a) ? -1 : a, 5) +
          "\n";
      }
      nrLines += s.nr;
      nrLines += lines.length + 1;
      yield lines.join("\n") + "\n" + body + "\n";
    }
  }
  // damo's text ends here; print() adds a newline only for short (unpaged) output
  if (nrLines <= 50) yield "\n";
}

const HEX3 = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, "0"));

/** `%012x`: four table lookups for addresses below 2^48. */
function hex12(x: number): string {
  if (x >= 0 && x < 2 ** 48 && Number.isInteger(x)) {
    const hi = Math.floor(x / 16777216);
    const lo = x - hi * 16777216;
    return HEX3[hi >>> 12] + HEX3[hi & 4095] + HEX3[lo >>> 12] + HEX3[lo & 4095];
  }
  const h = x.toString(16);
  return h.length >= 12 ? h : "000000000000".slice(h.length) + h;
}

// Region sizes and counts repeat a lot; formatting each distinct value once
// makes the raw form of a 2,000 x 1,000 record several times faster.
const sizeCache = new Map<number, string>();
function sizeField(sz: number, raw: boolean): string {
  if (raw) return ` (${rjust(formatSz(sz, raw), 12)}) `;
  let v = sizeCache.get(sz);
  if (v === undefined) {
    if (sizeCache.size > 100000) sizeCache.clear();
    v = ` (${rjust(formatSz(sz, false), 12)}) `;
    sizeCache.set(sz, v);
  }
  return v;
}

const intCache: string[][] = [];
function padInt(x: number, width: number): string {
  if (Number.isInteger(x) && x >= -1 && x < 4096) {
    const c = (intCache[width] ??= []);
    return (c[x + 1] ??= rjust(String(x), width));
  }
  return rjust(String(x), width);
}
