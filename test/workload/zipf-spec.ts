import type { WorkloadSpec } from "../../src/workload/index.js";
import type { ZipfParams } from "../../src/workload/spec.js";

/** One thread reading one region of `sizeBytes` through a single Zipf pattern, forever. */
export function oneZipfSpec(sizeBytes: number, zipf: ZipfParams): WorkloadSpec {
  return {
    name: "z",
    description: "z",
    regions: [{ name: "v", sizeBytes }],
    threads: [
      {
        cpu: 0,
        phases: [
          {
            name: "p",
            durationNs: 1e18,
            patterns: [{ region: 0, kind: "zipf", strideBytes: 0, probability: 1, mode: "ro", zipf }],
          },
        ],
      },
    ],
  };
}
