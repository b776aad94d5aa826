import type { ExperimentResult } from "../eval/experiment.js";

/** Placeholder until the record/report layer lands. */
export function renderRunHeatmap(r: ExperimentResult): string {
  return `(${r.snapshots.length} snapshots)`;
}
