/**
 * `damon-ts report <kind>`: damo's record reports with damo's option names and
 * defaults (formats.md), reading any record format; one module per kind in
 * report/. `damon-ts adjust` is in adjust.ts.
 */
import type { Command } from "commander";
import { registerAccess } from "./report/access.js";
import { registerHeatmap } from "./report/heatmap.js";
import { registerWss } from "./report/wss.js";
import { registerNrRegions } from "./report/nr-regions.js";
import { registerFootprints } from "./report/footprints.js";
import { registerRecordInfo } from "./report/record-info.js";

export { registerAdjust } from "./adjust.js";

export function registerReport(program: Command): void {
  const report = program.command("report").description("reports on damo-compatible record files");
  registerAccess(report);
  registerHeatmap(report);
  registerWss(report);
  registerNrRegions(report);
  registerFootprints(report);
  registerRecordInfo(report);
}
