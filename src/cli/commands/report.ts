/**
 * `damon-ts report <kind>` and `damon-ts adjust`: damo's record reports with
 * damo's option names and defaults (formats.md), reading any record format.
 */
import { chmodSync } from "node:fs";
import { extname } from "node:path";
import { Command, Option } from "commander";
import { readRecords } from "../../record/read.js";
import { PROBE_INDEX_HELP, recordsForProbe } from "../probe-options.js";
import { adjustRecords } from "../../record/adjust.js";
import { RECORD_FORMATS, recordsJsonChunks, writeRecords } from "../../record/write.js";
import type { DamonRecord } from "../../record/model.js";
import type { RecordFormat } from "../../record/read.js";
import { ACCESS_DEFAULTS, ACCESS_STYLES, accessReport, type AccessStyle } from "../../report/access.js";
import { rawFormChunks } from "../../report/raw-form.js";
import { damoPagerText } from "../../report/pager.js";
import { WSS_DEFAULTS, wssReport } from "../../report/wss.js";
import { nrRegionsReport } from "../../report/nr-regions.js";
import { guides, guideText } from "../../report/guide.js";
import { percentileRange } from "../../report/dist.js";
import { footprintsReport, readFootprints, type FootprintMetric } from "../../report/footprints.js";
import {
  asciiHeatmap,
  checkHeatmapResolution,
  heatmapGrid,
  planHeatmap,
  rangeNote,
  rawHeatmapLines,
  selectRecords,
  type HeatmapSelection,
} from "../../report/heatmap.js";
import { heatmapPng, heatmapSvg } from "../../report/heatmap-image.js";
import { formatSz, textToBytes, textToNr, textToNs, textToPercent, textToUs } from "../../report/damo-fmt.js";
import { filterRecords, type RecordFilter } from "../../record/filter.js";
import { UsageError, InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import {
  announceWritten,
  existedBefore,
  refuseOverwritingInput,
  requireInputFile,
  requireOutputFolder,
  snapshotCount,
} from "../files.js";

/** Writes text pieces to stdout honouring back-pressure; a closed pipe just ends output. */
async function writeOut(chunks: Iterable<string>): Promise<void> {
  let closed = false;
  const onErr = (e: NodeJS.ErrnoException): void => {
    if (e.code === "EPIPE") closed = true;
  };
  process.stdout.on("error", onErr);
  let buf = "";
  for (const c of chunks) {
    if (closed) break;
    buf += c;
    if (buf.length < 1 << 16) continue;
    const ok = process.stdout.write(buf);
    buf = "";
    if (!ok)
      await new Promise<void>((res) => {
        // a reader that went away (`| head`) ends the wait as well as a drain
        const done = (): void => {
          process.stdout.off("drain", done);
          process.stdout.off("error", done);
          process.stdout.off("close", done);
          res();
        };
        process.stdout.once("drain", done);
        process.stdout.once("error", done);
        process.stdout.once("close", done);
      });
  }
  if (buf && !closed) process.stdout.write(buf);
}

function ints(values: string[] | undefined, n: number | null, name: string): number[] | undefined {
  if (values === undefined) return undefined;
  if (n !== null && values.length !== n)
    throw new UsageError(`${name} takes ${n} numbers, got ${values.length}`);
  return values.map((v) => {
    if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`'${v}' is not an integer`, name);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new UsageError(`'${v}' is too large (at most 2^53-1)`, name);
    return n;
  });
}

function intOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  return ints([v], 1, name)![0];
}

async function loadRecords(path: string): Promise<DamonRecord[]> {
  requireInputFile(path, "record file");
  return readRecords(path);
}

function requireIntervals(records: DamonRecord[]): void {
  if (records.some((r) => r.intervals === null))
    throw new InputError("some records lack the intervals information; use --raw_form for such records");
}

/** Accumulates a repeatable multi-value option into one flat list. */
function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function pairs(values: unknown, name: string, parse: (s: string) => number): [number, number][] | undefined {
  if (values === undefined) return undefined;
  const v = values as string[];
  if (v.length % 2 !== 0) throw new UsageError("takes <min> <max> pairs", name);
  const out: [number, number][] = [];
  for (let i = 0; i < v.length; i += 2) {
    let a: number, b: number;
    try {
      a = parse(v[i]);
      b = parse(v[i + 1]);
    } catch (e) {
      throw new UsageError((e as Error).message, name);
    }
    if (a > b) throw new UsageError(`min ${v[i]} is above max ${v[i + 1]}`, name);
    out.push([a, b]);
  }
  return out;
}

function one(values: unknown, name: string, parse: (s: string) => number): [number, number] | undefined {
  const p = pairs(values, name, parse);
  if (p && p.length !== 1) throw new UsageError("takes one <min> <max> pair", name);
  return p?.[0];
}

const secondsOrTime = (s: string): number => (/^\s*[0-9.]+\s*$/.test(s) ? Number(s) * 1e6 : textToUs(s));

function accessFilter(o: Record<string, unknown>): RecordFilter {
  return {
    szRegion: one(o.sz_region, "--sz_region", (s) => textToBytes(s)),
    accessRate: one(o.access_rate, "--access_rate", (s) => textToPercent(s)),
    ageUs: one(o.age, "--age", secondsOrTime),
    addressRanges: pairs(o.address, "--address", (s) => textToBytes(s)),
    snapshotSz: pairs(o.sz_snapshot, "--sz_snapshot", (s) => textToBytes(s)),
    snapshotTime: pairs(o.snapshot_time, "--snapshot_time", (s) => textToNs(s)),
    snapshotIdx: pairs(o.snapshot_idx, "--snapshot_idx", (s) => textToNr(s)),
  };
}

function registerAccess(report: Command): void {
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
        await writeOut(rawFormChunks(records, Boolean(o.raw_number)));
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

function registerHeatmap(report: Command): void {
  report
    .command("heatmap")
    .description("show when which address ranges were how frequently accessed")
    .option("--output <output>", "stdout, raw, or an image file (.png or .svg)", "stdout")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("--kdamond_idx <n>", "kdamond index of the record to draw")
    .option("--context_idx <n>", "context index of the record to draw")
    .option("--scheme_idx <n>", "scheme index of the record to draw")
    .option("--tid <id>", "target id of the record to draw")
    .option(
      "--resol <n...>",
      "resolutions for the time and address axes (default 40 80 on stdout, 500 500 otherwise)",
    )
    .option("--time_range <ns...>", "start and end time (absolute ns)")
    .addOption(
      new Option("--draw_range <which>", "address ranges to draw")
        .choices(["hottest", "all"])
        .default("hottest"),
    )
    .option(
      "--address_range <addr...>",
      "start and end address (repeat the option for more ranges)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--abs_time", "absolute time in raw output")
    .option("--abs_addr", "absolute addresses in raw output")
    .option("--guide", "print the record's ranges and times, for choosing ranges")
    .addOption(
      new Option("--stdout_colorset <name>", "colour theme")
        .choices(["gray", "flame", "emotion"])
        .default("gray"),
    )
    .option("--stdout_skip_colorset_example", "do not print the colour legend")
    .option("--probe <n>", PROBE_INDEX_HELP)
    .action(async (o: Record<string, unknown>) => {
      const records = recordsForProbe(await loadRecords(o.input as string), o.probe);
      if (o.guide) {
        await writeOut([
          guides(records)
            .map((g) => guideText(g, true) + "\n")
            .join(""),
        ]);
        return;
      }
      const output = o.output as string;
      const isImage = output !== "stdout" && output !== "raw";
      if (isImage && ![".png", ".svg"].includes(extname(output).toLowerCase()))
        throw new UsageError(`unsupported image type '${output}': use a .png or .svg file name`, "--output");
      // damo 3.3 (report heatmap): 40 x 80 for the terminal (stdout), 500 x 500 for every other output
      const resol = (ints(o.resol as string[] | undefined, 2, "--resol") ??
        (output === "stdout" ? [40, 80] : [500, 500])) as [number, number];
      checkHeatmapResolution(resol);
      const tr = ints(o.time_range as string[] | undefined, 2, "--time_range") as
        [number, number] | undefined;
      const ar = ints(o.address_range as string[] | undefined, null, "--address_range");
      if (ar && ar.length % 2 !== 0) throw new UsageError("--address_range takes <start> <end>");
      const addrRanges: [number, number][] | null = ar ? [] : null;
      for (let i = 0; ar && i < ar.length; i += 2) addrRanges!.push([ar[i], ar[i + 1]]);
      const sel: Partial<HeatmapSelection> = {};
      if (o.kdamond_idx !== undefined) sel.kdamondIdx = intOpt(o.kdamond_idx as string, "--kdamond_idx")!;
      if (o.context_idx !== undefined) sel.contextIdx = intOpt(o.context_idx as string, "--context_idx")!;
      if (o.scheme_idx !== undefined) sel.schemeIdx = intOpt(o.scheme_idx as string, "--scheme_idx")!;
      if (o.tid !== undefined) sel.targetId = BigInt(o.tid as string).toString();
      let plan;
      try {
        plan = planHeatmap(records, sel, tr ?? null, addrRanges, o.draw_range as "hottest" | "all");
      } catch (e) {
        throw new InputError((e as Error).message, o.input as string);
      }
      const recs = selectRecords(records, plan.selection);
      const base = plan.guide.startNs;
      for (let i = 0; i < plan.addrRanges.length; i++) {
        const grid = heatmapGrid(recs, plan.timeRange, plan.addrRanges[i], resol);
        const note = rangeNote(plan, i);
        if (output === "raw") {
          if (note) process.stderr.write(note + "\n");
          await writeOut(rawHeatmapLines(grid, Boolean(o.abs_time), Boolean(o.abs_addr)));
        } else if (output === "stdout") {
          const text = asciiHeatmap(grid, o.stdout_colorset as string, !o.stdout_skip_colorset_example, base);
          await writeOut([text + "\n" + (note ? note + "\n" : "")]);
        } else {
          let file = output;
          if (i > 0) {
            const ext = extname(output);
            file = `${output.slice(0, -ext.length)}.${i}${ext}`;
          }
          const [s, e] = plan.addrRanges[i];
          const title = `target ${plan.selection.targetId ?? "-"}, addresses ${s.toString(16)}-${e.toString(16)} (${formatSz(e - s, false)})`;
          const replaces = existedBefore(file);
          if (extname(file).toLowerCase() === ".png")
            writeFileAtomic(file, heatmapPng(grid, 800, title, base));
          else writeFileAtomic(file, heatmapSvg(grid, title, base));
          announceWritten(file, replaces, [
            `${recs.reduce((n, r) => n + r.snapshots.length, 0)} snapshots drawn`,
          ]);
          if (note) process.stdout.write(note + "\n");
        }
      }
    });
}

function registerWss(report: Command): void {
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

function registerNrRegions(report: Command): void {
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

function registerFootprints(report: Command): void {
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

function registerRecordInfo(report: Command): void {
  report
    .command("record_info")
    .description("show basic information of a record file")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("--raw_numbers", "print numbers in raw format")
    .action(async (o: Record<string, unknown>) => {
      const records = await loadRecords(o.input as string);
      await writeOut([
        guides(records)
          .map((g) => guideText(g, Boolean(o.raw_numbers)) + "\n")
          .join(""),
      ]);
    });
}

export function registerReport(program: Command): void {
  const report = program.command("report").description("reports on damo-compatible record files");
  registerAccess(report);
  registerHeatmap(report);
  registerWss(report);
  registerNrRegions(report);
  registerFootprints(report);
  registerRecordInfo(report);
}

export function registerAdjust(program: Command): void {
  program
    .command("adjust")
    .description("re-aggregate a record to a longer interval and skip its first snapshots (as damo adjust)")
    .option("--aggregate_interval <us>", "new aggregation interval in microseconds")
    .option("-i, --input <file>", "record file to read", "damon.data")
    .option("-o, --output <file>", "file to write", "damon.adjusted.data")
    .addOption(
      new Option("--output_type <type>", "format to write")
        .choices([...RECORD_FORMATS])
        .default("json_compressed"),
    )
    .option("--output_permission <mode>", "permission of the output file (octal)", "600")
    .option("--skip <n>", "number of first snapshots to skip", "20")
    .action(async (o: Record<string, unknown>) => {
      const records = await loadRecords(o.input as string);
      const perm = String(o.output_permission);
      if (!/^[0-7]{1,4}$/.test(perm))
        throw new UsageError(`'${perm}' is not an octal permission`, "--output_permission");
      // checked before use, whether or not an interval is given (NaN, 0 and negatives were accepted)
      const skip = intOpt(o.skip as string, "--skip")!;
      if (skip < 0) throw new UsageError(`must be a number of snapshots >= 0, not ${skip}`, "--skip");
      const aggr = intOpt(o.aggregate_interval as string | undefined, "--aggregate_interval");
      if (aggr !== undefined && aggr <= 0)
        throw new UsageError(
          `must be a positive number of microseconds, not ${aggr}`,
          "--aggregate_interval",
        );
      if (aggr !== undefined) adjustRecords(records, aggr, skip);
      const out = o.output as string;
      refuseOverwritingInput(out, [o.input as string], "--output");
      requireOutputFolder(out, "--output");
      const replaces = existedBefore(out);
      writeRecords(out, records, o.output_type as RecordFormat);
      chmodSync(out, parseInt(perm, 8));
      const nr = records.reduce((n, r) => n + r.snapshots.length, 0);
      announceWritten(
        out,
        replaces,
        [snapshotCount(nr)],
        o.aggregate_interval === undefined ? "an unchanged copy: no --aggregate_interval given" : undefined,
      );
    });
}
