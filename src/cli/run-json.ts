/**
 * The JSON form of simulated runs (`--json`); documented in docs/json-output.md.
 * It changes only with its schema version.
 */
import { damosOutcomeJson } from "../eval/damos.js";
import type { ExperimentResult, ResultData } from "../eval/experiment.js";

export const RUN_JSON_SCHEMA = "damon-ts/run/1";

/** Runs as plain data (from worker threads) have no DAMOS outcome: DAMOS runs stay on the main thread. */
export function runJson(results: (ExperimentResult | ResultData)[]): object {
  return {
    schema: RUN_JSON_SCHEMA,
    runs: results.map((r) => ({
      workload: r.workload,
      ops: r.ops,
      space: r.space,
      seed: r.seed,
      durationNs: r.durationNs,
      attrs: {
        sampleUs: r.attrs.sampleUs,
        aggrUs: r.attrs.aggrUs,
        updateUs: r.attrs.updateUs,
        minNrRegions: r.attrs.minNrRegions,
        maxNrRegions: r.attrs.maxNrRegions,
      },
      summary: r.summary,
      reports: r.reports,
      numaBalancing: r.numaBalancing ?? null,
      damos: damosJson(r),
      tlbBlindSpot: r.tlbBlindSpot,
      windows: r.windows.map((w) => ({
        index: w.index,
        startNs: w.startNs,
        endNs: w.endNs,
        nrRegions: w.nrRegions,
        samples: w.samples,
        ...w.accuracy,
      })),
    })),
  };
}

/** The run's DAMOS outcome (schemes' stats, goal measures, kdamond CPU), or null without schemes. */
function damosJson(r: ExperimentResult | ResultData): object | null {
  return "machine" in r && r.damos ? damosOutcomeJson(r, r.damos) : null;
}
