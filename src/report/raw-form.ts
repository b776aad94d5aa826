/**
 * `report access --raw_form`: every snapshot's regions as plain lines
 * (formats.md §2.3), e.g. `000000001000-000000101000 (1024.000 KiB)  20  0`.
 */
import type { DamonRecord } from "../record/model.js";
import { formatSz, formatTimeNs } from "./damo-fmt.js";
import { rjust } from "./pyfmt.js";

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
      for (let i = 0; i < s.nr; i++) {
        const a = s.age[i];
        lines.push(
          `${hex12(s.start[i])}-${hex12(s.end[i])} (${rjust(formatSz(s.end[i] - s.start[i], rawNumber), 12)}) ${rjust(String(s.samples[i]), 11)} ${rjust(Number.isNaN(a) ? "-1" : String(a), 5)}`,
        );
      }
      lines.push("");
      nrLines += lines.length;
      yield lines.join("\n") + "\n";
    }
  }
  // damo's text ends here; print() adds a newline only for short (unpaged) output
  if (nrLines <= 50) yield "\n";
}

function hex12(x: number): string {
  return x.toString(16).padStart(12, "0");
}
