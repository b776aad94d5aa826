/** `damon-ts adjust`: re-aggregates a record (damo adjust) and writes it in any record format. */
import { outputTarget } from "../../util/atomic-write.js";
import { chmodSync } from "node:fs";
import { Command, Option } from "commander";
import { adjustRecords } from "../../record/adjust.js";
import { RECORD_FORMATS, writeRecords } from "../../record/write.js";
import type { RecordFormat } from "../../record/read.js";
import { UsageError } from "../../util/errors.js";
import {
  announceWritten,
  existedBefore,
  refuseOverwritingInput,
  requireOutputFolder,
  snapshotCount,
} from "../files.js";
import { intOpt, loadRecords } from "./report/common.js";

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
      // The permissions are the new file's: never a device's or pipe's written in place.
      if (!outputTarget(out).inPlace) chmodSync(out, parseInt(perm, 8));
      const nr = records.reduce((n, r) => n + r.snapshots.length, 0);
      announceWritten(
        out,
        replaces,
        [snapshotCount(nr)],
        o.aggregate_interval === undefined ? "an unchanged copy: no --aggregate_interval given" : undefined,
      );
    });
}
