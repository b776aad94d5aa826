/** `damon-ts report footprints`: memory footprints of the monitored processes. */
import { Command, Option } from "commander";
import { percentileRange } from "../../../report/dist.js";
import { type FootprintMetric, footprintsReport, readFootprints } from "../../../report/footprints.js";
import { UsageError } from "../../../util/errors.js";
import { intOpt, ints, writeOut } from "./common.js";

export function registerFootprints(report: Command): void {
  report
    .command("footprints")
    .description("show the distribution of memory footprints (<record>.mem_footprint)")
    .argument("[metric]", "vsz, rss, sys_used or all", "all")
    .option("-i, --input <file>", "footprint file to read", "damon.data.mem_footprint")
    .option("-r, --range <n...>", "start, stop and step of the percentiles", ["0", "101", "25"])
    .addOption(
      new Option("-s, --sortby <key>", "sort by time or size").choices(["time", "size"]).default("size"),
    )
    .option("--nr_cols_bar <n>", "columns for the bars", "59")
    .option("--raw_number", "use machine-friendly raw numbers")
    .option("--all_footprint", "print every value instead of percentiles")
    .action(async (metric: string, o: Record<string, unknown>) => {
      const all: FootprintMetric[] = ["vsz", "rss", "sys_used"];
      if (metric !== "all" && !all.includes(metric as FootprintMetric))
        throw new UsageError(`unknown metric '${metric}' (vsz, rss, sys_used, all)`);
      const r = ints(o.range as string[], 3, "--range")!;
      const text = footprintsReport(
        readFootprints(o.input as string),
        metric === "all" ? all : [metric as FootprintMetric],
        percentileRange(r[0], r[1], r[2]),
        o.sortby !== "time",
        Boolean(o.all_footprint),
        Boolean(o.raw_number),
        intOpt(o.nr_cols_bar as string, "--nr_cols_bar")!,
      );
      await writeOut([text]);
    });
}
