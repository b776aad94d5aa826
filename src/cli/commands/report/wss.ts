/** `damon-ts report wss`: the working-set size distribution (or its change over time). */
import { Command, Option } from "commander";
import { WSS_DEFAULTS, wssReport } from "../../../report/wss.js";
import { percentileRange } from "../../../report/dist.js";
import { intOpt, ints, loadRecords, writeOut } from "./common.js";
import { PROBE_INDEX_HELP, recordsForProbe } from "./probe-index.js";

export function registerWss(report: Command): void {
  report
    .command("wss")
    .description("show the distribution of working set sizes")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("-r, --range <n...>", "start, stop and step of the percentiles", ["0", "101", "25"])
    .option("--exclude_samples <n>", "number of first snapshots to exclude", "20")
    .option("-t, --acc_thres <n>", "minimal nr_accesses of working-set regions", "1")
    .option("--sz_thres <n>", "minimal size of working-set regions", "1")
    .option("--work_time <us>", "time of one unit of work; snapshots are merged to span it", "1")
    .addOption(new Option("-s, --sortby <key>", "sort by time or size").choices(["time", "size"]))
    .option("--nr_cols_bar <n>", "columns for the bars", "59")
    .option("--raw_number", "use machine-friendly raw numbers")
    .option("--all_wss", "print every wss instead of percentiles")
    .option("--per_target", "report each target separately")
    .option("--collapse_targets", "collapse targets into one (default)")
    .option("--probe <n>", PROBE_INDEX_HELP)
    .action(async (o: Record<string, unknown>) => {
      const records = recordsForProbe(await loadRecords(o.input as string), o.probe);
      const r = ints(o.range as string[], 3, "--range")!;
      const text = wssReport(records, {
        ...WSS_DEFAULTS,
        percentiles: percentileRange(r[0], r[1], r[2]),
        excludeSamples: intOpt(o.exclude_samples as string, "--exclude_samples")!,
        accThres: intOpt(o.acc_thres as string, "--acc_thres")!,
        szThres: intOpt(o.sz_thres as string, "--sz_thres")!,
        workTimeUs: intOpt(o.work_time as string, "--work_time")!,
        sortBy: o.sortby as "time" | "size" | undefined,
        rawNumber: Boolean(o.raw_number),
        allWss: Boolean(o.all_wss),
        collapseTargets: !o.per_target,
        nrColsBar: intOpt(o.nr_cols_bar as string, "--nr_cols_bar")!,
      });
      await writeOut([text]);
    });
}
