/** `damon-ts report access`: the regions of each snapshot, in damo's styles and formats. */
import { Command, Option } from "commander";
import { ACCESS_DEFAULTS, ACCESS_STYLES, accessReport, type AccessStyle } from "../../../report/access.js";
import { recordsJsonChunks } from "../../../record/write.js";
import { rawFormPieces } from "../../../report/raw-form.js";
import { damoPagerText } from "../../../report/pager.js";
import { filterRecords } from "../../../record/filter.js";
import { UsageError } from "../../../util/errors.js";
import { accessFilter, collect, intOpt, ints, loadRecords, requireIntervals, writeOut } from "./common.js";

export function registerAccess(report: Command): void {
  report
    .command("access")
    .description("show the monitored access pattern of each snapshot")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("--input_file <file>", "same as --input (damo's older name)")
    .addOption(new Option("--style <style>", "output style").choices([...ACCESS_STYLES]).default("detailed"))
    .option("--raw_form", "print every region in raw form")
    .option("--raw_number", "use machine-friendly raw numbers")
    .option("--json", "print the records as JSON (damo's record layout)")
    .option("--percentiles_range <n...>", "percentiles to show (<=3 numbers: range(); more: the list)")
    .option("--sort_regions_by <field...>", "sort regions by address, access_rate, age, size, temperature")
    .option("--sort_regions_dsc <field...>", "sort descending for these keys (or all)")
    .option("--temperature_weights <w...>", "weights of size, access rate and age", ["0", "100", "100"])
    .option("--hist_logscale", "draw histograms in log scale")
    .option("--hist_ranges <v...>", "histogram range values (pairs)")
    .option(
      "--format <text...>",
      "set|append <record_head|snapshot_head|region|snapshot_tail|record_tail> <format>",
    )
    .option("--snapshot_heatmap_width <n>", "width of snapshot heatmap", "80")
    .option("--snapshot_heatmap_colorset <name>", "gray, flame or emotion", "gray")
    .option("--snapshot_heatmap_static", "draw snapshot heatmap as static")
    .option("--total_sz_only", "print only the total size of each snapshot")
    .option("--region_box", "draw each region as a box (length: age, colour: access rate, height: size)")
    .option("--sz_region <min max...>", "show only regions of this size range (bytes, units allowed)")
    .option("--access_rate <min max...>", "show only regions of this access rate range (percent)")
    .option(
      "--age <min max...>",
      "show only regions of this age range (time, e.g. 1s; bare numbers are seconds)",
    )
    .option("--address <start end...>", "show only these address ranges (repeatable)", collect)
    .option(
      "--sz_snapshot <min max...>",
      "show only snapshots of this total size range (repeatable)",
      collect,
    )
    .option(
      "--snapshot_time <start end...>",
      "show only snapshots within this absolute time range, ns (repeatable)",
      collect,
    )
    .option("--snapshot_idx <start end...>", "show only snapshots of this index range (repeatable)", collect)
    .action(async (o: Record<string, unknown>) => {
      const input = (o.input_file as string | undefined) ?? (o.input as string);
      const records = filterRecords(await loadRecords(input), accessFilter(o));
      if (o.raw_form) {
        await writeOut(rawFormPieces(records, Boolean(o.raw_number)));
        return;
      }
      if (o.json) {
        await writeOut([...recordsJsonChunks(records, Boolean(o.raw_number)), "\n"]);
        return;
      }
      requireIntervals(records);
      const fmt = o.format as string[] | undefined;
      if (fmt && fmt.length % 3 !== 0)
        throw new UsageError("--format takes <set|append> <area> <format string>");
      const formats: [string, string, string][] = [];
      for (let i = 0; fmt && i < fmt.length; i += 3) formats.push([fmt[i], fmt[i + 1], fmt[i + 2]]);
      const tw = ints(o.temperature_weights as string[], 3, "--temperature_weights")!;
      const text = accessReport(records, {
        ...ACCESS_DEFAULTS,
        style: o.style as AccessStyle,
        rawNumber: Boolean(o.raw_number),
        temperatureWeights: [tw[0], tw[1], tw[2]],
        percentilesRange:
          ints(o.percentiles_range as string[] | undefined, null, "--percentiles_range") ?? null,
        histLogscale: Boolean(o.hist_logscale),
        histRanges: (o.hist_ranges as string[] | undefined) ?? null,
        snapshotHeatmapWidth: intOpt(o.snapshot_heatmap_width as string, "--snapshot_heatmap_width")!,
        snapshotHeatmapColorset: o.snapshot_heatmap_colorset as string,
        snapshotHeatmapStatic: Boolean(o.snapshot_heatmap_static),
        sortRegionsBy: (o.sort_regions_by as string[] | undefined) ?? ["address"],
        sortRegionsDsc: (o.sort_regions_dsc as string[] | undefined) ?? null,
        totalSzOnly: Boolean(o.total_sz_only),
        regionBox: Boolean(o.region_box),
        formats,
      });
      await writeOut([damoPagerText(text)]);
    });
}
