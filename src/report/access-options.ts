/** `report access` options: the style presets and everything damo's `report access` takes. */
import { BOX_DEFAULTS, type BoxOptions, type BoxRanges } from "./region-box.js";

export type AccessStyle =
  | "detailed"
  | "simple-boxes"
  | "recency-percentiles"
  | "temperature-percentiles"
  | "recency-sz-hist"
  | "temperature-sz-hist"
  | "cold"
  | "hot";

export const ACCESS_STYLES: readonly AccessStyle[] = [
  "detailed",
  "simple-boxes",
  "recency-percentiles",
  "temperature-percentiles",
  "recency-sz-hist",
  "temperature-sz-hist",
  "cold",
  "hot",
];

export interface AccessOptions {
  style: AccessStyle;
  rawNumber: boolean;
  temperatureWeights: [number, number, number];
  percentilesRange: number[] | null;
  histLogscale: boolean;
  histRanges: string[] | null;
  snapshotHeatmapWidth: number;
  snapshotHeatmapColorset: string;
  snapshotHeatmapStatic: boolean;
  sortRegionsBy: string[];
  sortRegionsDsc: string[] | null;
  totalSzOnly: boolean;
  /** `--region_box`: draw each region as a box in the detailed style. */
  regionBox: boolean;
  box: BoxOptions;
  /** User `--format set|append <area> <text>` entries. */
  formats: [string, string, string][];
}

export const ACCESS_DEFAULTS: AccessOptions = {
  style: "detailed",
  rawNumber: false,
  temperatureWeights: [0, 100, 100],
  percentilesRange: null,
  histLogscale: false,
  histRanges: null,
  snapshotHeatmapWidth: 80,
  snapshotHeatmapColorset: "gray",
  snapshotHeatmapStatic: false,
  sortRegionsBy: ["address"],
  sortRegionsDsc: null,
  totalSzOnly: false,
  regionBox: false,
  box: BOX_DEFAULTS,
  formats: [],
};

/** Options with the box ranges of every region of the report, which `<box>` scales against. */
export type BoxedOptions = AccessOptions & { boxRanges: BoxRanges };
