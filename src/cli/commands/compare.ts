/**
 * `damon-ts compare <workload> --ops a,b,c`: the same workload and seed once per
 * access source, in one table: accuracy against the exact truth next to what each
 * source cost.
 */
import type { Command } from "commander";
import { opsNames } from "../../ops/registry.js";
import {
  addSimulationOptions,
  parseOpsList,
  preparedRunFromOptions,
  printBlindSpotWarnings,
  printWorkloadWarnings,
  runPrepared,
  workloadHelp,
} from "./run.js";
import type { RunOptionValues } from "./run.js";
import { addUiOption } from "../ui-options.js";
import { runJson } from "../run-json.js";
import { metricRows } from "../run-metrics.js";
import { missWarnings } from "../run-summary.js";
import { fmtNs, formatTable } from "../table.js";

export function registerCompare(program: Command): void {
  const cmd = program
    .command("compare")
    .argument("<workload>", "a built-in workload name, a masim config file or trace:FILE")
    .description(
      "run one workload under several access sources and compare accuracy and overhead in one table",
    )
    .option(
      "--ops <list>",
      `access sources to compare, comma-separated (${opsNames().join(", ")})`,
      "vaddr,vaddr-fault,hwsample-vaddr",
    );
  addUiOption(addSimulationOptions(cmd)).addHelpText("after", workloadHelp());
  cmd.action((workloadName: string, o: RunOptionValues) => {
    const opts = { ...o, heatmap: false };
    const prepared = preparedRunFromOptions(workloadName, opts, parseOpsList(opts.ops));
    printWorkloadWarnings(prepared);
    const results = runPrepared(workloadName, opts, prepared);
    printBlindSpotWarnings(results, o);
    if (o.json) {
      for (const w of missWarnings(results)) console.error(w);
      process.stdout.write(`${JSON.stringify(runJson(results), null, 2)}\n`);
      return;
    }
    const first = results[0];
    console.log(
      `${first.workload}: ${fmtNs(first.durationNs)} simulated per source, seed ${first.seed}; ` +
        `definitions: docs/metrics.md\n`,
    );
    console.log(formatTable(["metric", ...results.map((r) => r.ops)], metricRows(results)));
    // As `run` does: why a source missed most of the hot set (stderr, under the table).
    for (const w of missWarnings(results)) console.error(w);
  });
}
