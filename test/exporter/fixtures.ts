/** A reading with every field set, so every metric family of the exporter has series. */
import type { Reading } from "../../src/exporter/reading.js";

export const READING: Reading = {
  stat: { enabled: true, kdamondPid: 77 },
  running: true,
  contexts: [
    {
      kdamond: "0",
      context: "0",
      sampleUs: 5000,
      aggrUs: 100000,
      snapshots: 7,
      bandwidthBytesPerSec: 1e9,
      idleSeconds: [{ quantile: 0.5, value: -1.5 }],
      reportsReceived: 10,
      reportRingDrops: 2,
      targets: [
        { target: "0", nrRegions: 12, wssBytes: 4096, wssQuantiles: [{ quantile: 0.5, value: 8192 }] },
      ],
      schemes: [
        {
          scheme: "0",
          action: "pageout",
          nrTried: 3,
          szTried: 12288,
          nrApplied: 1,
          szApplied: 4096,
          szOpsFilterPassed: null,
          qtExceeds: 0,
          nrSnapshots: null,
          effectiveQuotaBytes: 1 << 20,
        },
      ],
    },
  ],
};
