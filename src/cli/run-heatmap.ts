/**
 * What a simulated run shows and keeps: its snapshots as a damo record (in memory
 * for the terminal heatmap, or streamed to a file with `--record`), drawn with the
 * same heatmap code as `damon-ts report heatmap`.
 */
import type { ResultData, WindowSnapshot } from "../eval/experiment.js";
import type { Attrs } from "../core/attrs.js";
import { emptyRecord, makeSnapshot } from "../record/model.js";
import type { DamonRecord, Intervals } from "../record/model.js";
import { RecordWriter } from "../record/write.js";
import type { RecordFormat } from "../record/read.js";
import { announceWritten, existedBefore, snapshotCount } from "./files.js";
import { asciiHeatmap, heatmapGrid, planHeatmap, rangeNote, selectRecords } from "../report/heatmap.js";

function intervalsOf(a: Attrs): Intervals {
  return { sampleUs: a.sampleUs, aggrUs: a.aggrUs, updateUs: a.updateUs, goal: null };
}

/** A run's snapshots of its first target as a damo record. */
export function experimentRecord(r: ResultData): DamonRecord {
  const rec = emptyRecord("0", intervalsOf(r.attrs));
  for (const s of r.snapshots)
    rec.snapshots.push(makeSnapshot(s.startNs, s.endNs, s.targets[0]?.regions ?? []));
  return rec;
}

/** The terminal heatmap of a run (the hottest address range, damo's default). */
export function renderRunHeatmap(r: ResultData, rows = 30, cols = 80): string {
  if (r.snapshots.length === 0) return "# no snapshots";
  const records = [experimentRecord(r)];
  const plan = planHeatmap(records, {}, null, null, "hottest");
  const grid = heatmapGrid(selectRecords(records, plan.selection), plan.timeRange, plan.addrRanges[0], [
    Math.min(rows, r.snapshots.length),
    cols,
  ]);
  const note = rangeNote(plan, 0);
  return asciiHeatmap(grid, "gray", true, plan.guide.startNs) + (note ? `\n${note}` : "");
}

/**
 * Streams a run's snapshots into a record file (temp file renamed at close, then
 * announced on stderr with its snapshot count and size).
 */
export class RunRecorder {
  private readonly writer: RecordWriter;
  private readonly replaces: boolean;
  private nrSnapshots = 0;
  constructor(
    private readonly path: string,
    attrs: Attrs,
    format?: RecordFormat,
  ) {
    this.replaces = existedBefore(path);
    this.writer = new RecordWriter(path, { format, targetId: 0, intervals: intervalsOf(attrs) });
  }
  add(s: WindowSnapshot): void {
    this.writer.addSnapshot({ startNs: s.startNs, endNs: s.endNs, regions: s.targets[0]?.regions ?? [] });
    this.nrSnapshots++;
  }
  close(): void {
    this.writer.close();
    announceWritten(this.path, this.replaces, [snapshotCount(this.nrSnapshots)]);
  }
  abort(): void {
    this.writer.abort();
  }
}
