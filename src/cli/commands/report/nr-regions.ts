/** `damon-ts report nr_regions`: the distribution of the number of regions per snapshot. */
import { Command, Option } from "commander";
import { nrRegionsReport } from "../../../report/nr-regions.js";
import { percentileRange } from "../../../report/dist.js";
import { ints, loadRecords, writeOut } from "./common.js";

export function registerNrRegions(report: Command): void {
  report
    .command("nr_regions")
    .description("show the distribution of the number of regions")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("-r, --range <n...>", "start, stop and step of the percentiles")
    .addOption(new Option("-s, --sortby <key>", "sort by time or size").choices(["time", "size"]))
    .action(async (o: Record<string, unknown>) => {
      const records = await loadRecords(o.input as string);
      const r = ints(o.range as string[] | undefined, 3, "--range");
      const pcts = r ? percentileRange(r[0], r[1], r[2]) : [0, 25, 50, 75, 100];
      await writeOut([nrRegionsReport(records, pcts, o.sortby as "time" | "size" | undefined)]);
    });
}
