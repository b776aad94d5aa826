/** `damon-ts report record_info`: what a record file holds (targets, time span, snapshots). */
import { Command } from "commander";
import { guides, guideText } from "../../../report/guide.js";
import { loadRecords, writeOut } from "./common.js";

export function registerRecordInfo(report: Command): void {
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
