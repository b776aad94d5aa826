/** damo's defaults for a kdamonds configuration, and the one-context configuration damo builds from options. */
import { UNLIMITED } from "./human-format.js";
import type {
  IntervalsConfig,
  KdamondsConfig,
  ContextConfig,
  Range,
  SchemeConfig,
} from "./kdamonds-types.js";
import { validateKdamonds } from "./kdamonds-validate.js";

export const DEFAULT_INTERVALS: IntervalsConfig = Object.freeze({
  sampleUs: 5000,
  aggrUs: 100_000,
  updateUs: 1_000_000,
  goal: Object.freeze({ accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 }),
});

export const DEFAULT_NR_REGIONS: Range = Object.freeze({ min: 10, max: 1000 });

/** A `stat` scheme matching every region, no quota, watermarks or filters (damo's defaults). */
export function defaultScheme(action: SchemeConfig["action"] = "stat"): SchemeConfig {
  return {
    action,
    dests: [],
    targetNid: null,
    accessPattern: {
      szBytes: { min: 0, max: UNLIMITED },
      nrAccesses: { min: 0, max: UNLIMITED },
      age: { min: 0, max: UNLIMITED },
      nrAccessesPercent: { min: 0, max: UNLIMITED },
      ageUs: { min: 0, max: UNLIMITED },
    },
    applyIntervalUs: 0,
    quotas: {
      timeMs: 0,
      szBytes: 0,
      resetIntervalMs: UNLIMITED,
      failChargeNum: 0,
      failChargeDenom: 0,
      goals: [],
      goalTuner: "consist",
      effectiveSzBytes: 0,
      weights: { szPermil: 0, nrAccessesPermil: 0, agePermil: 0 },
    },
    watermarks: { metric: "none", intervalUs: 0, highPermil: 0, midPermil: 0, lowPermil: 0 },
    filters: [],
  };
}

/** Options for a one-context configuration built from command-line style options. */
export interface SimpleKdamondsOptions {
  ops?: ContextConfig["ops"];
  targetPid?: number | null;
  regions?: { start: number; end: number }[];
  sampleUs?: number;
  aggrUs?: number;
  updateUs?: number;
  minNrRegions?: number;
  maxNrRegions?: number;
  schemes?: SchemeConfig[];
}

/** One kdamond, one context, one target: the shape damo builds from its command-line options. */
export function simpleKdamonds(o: SimpleKdamondsOptions = {}): KdamondsConfig {
  const ops = o.ops ?? "vaddr";
  const config: KdamondsConfig = {
    kdamonds: [
      {
        refreshMs: 0,
        contexts: [
          {
            ops,
            addrUnit: 1,
            targets: [
              {
                pid: ops === "paddr" ? null : (o.targetPid ?? null),
                obsolete: false,
                regions: o.regions ?? [],
              },
            ],
            intervals: {
              sampleUs: o.sampleUs ?? DEFAULT_INTERVALS.sampleUs,
              aggrUs: o.aggrUs ?? DEFAULT_INTERVALS.aggrUs,
              updateUs: o.updateUs ?? DEFAULT_INTERVALS.updateUs,
              goal: { ...DEFAULT_INTERVALS.goal },
            },
            nrRegions: { min: o.minNrRegions ?? 10, max: o.maxNrRegions ?? 1000 },
            probes: [],
            sampleControl: { primitivesEnabled: { pageTable: true, pageFault: false }, sampleFilters: [] },
            pause: false,
            schemes: o.schemes ?? [],
          },
        ],
      },
    ],
  };
  validateKdamonds(config);
  return config;
}
