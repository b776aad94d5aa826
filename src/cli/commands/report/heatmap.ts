/** `damon-ts report heatmap`: access frequency over time and address, as text, PNG or SVG. */
import { extname } from "node:path";
import { Command, Option } from "commander";
import { guides, guideText } from "../../../report/guide.js";
import {
  asciiHeatmap,
  checkHeatmapResolution,
  heatmapGrid,
  type HeatmapSelection,
  planHeatmap,
  rangeNote,
  rawHeatmapLines,
  selectRecords,
} from "../../../report/heatmap.js";
import { formatSz } from "../../../record/damo-fmt.js";
import { InputError, UsageError } from "../../../util/errors.js";
import { writeFileAtomic } from "../../../util/atomic-write.js";
import { announceWritten, existedBefore, refuseOverwritingInput } from "../../files.js";
import { intOpt, ints, loadRecords, writeOut } from "./common.js";
import { PROBE_INDEX_HELP, recordsForProbe } from "./probe-index.js";

export function registerHeatmap(report: Command): void {
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
          refuseOverwritingInput(file, [o.input as string], "--output");
          const replaces = existedBefore(file);
          // the image writers (and their font) are loaded only for image outputs
          const { heatmapPng, heatmapSvg } = await import("../../../report/heatmap-image.js");
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
