/**
 * `damon-ts kernel start|status|record|commit|stop`: drive a real kernel's DAMON
 * through sysfs (root). Refuses to touch kdamonds it did not create; `--dry-run`
 * prints every write instead of doing it.
 */
import type { OpsName } from "../../core/ops.js";
import { Command, Option } from "commander";
import { readKdamondsFile, simpleKdamonds, type KdamondsConfig } from "../../config/kdamonds.js";
import { KernelBackend, DEFAULT_SYSFS_ROOT } from "../../kernel/backend.js";
import { recordKernel, type KernelRecordOptions } from "../../kernel/record.js";
import { withMonitorScheme } from "../../kernel/write-plan.js";
import { writeVmRecord } from "../../vm/record.js";
import { RECORD_FORMATS } from "../../record/write.js";
import type { RecordFormat } from "../../record/read.js";
import { announceWritten, existedBefore, requireOutputFolder, snapshotCount } from "../files.js";
import { UsageError } from "../../util/errors.js";
import { parseCount, parseDurationUs } from "../../util/units.js";
import { addUiOption, uiRunFeed } from "../ui-options.js";

interface CommonOpts {
  sysfsRoot: string;
  dryRun?: boolean;
  takeOver?: boolean;
}

interface ConfigOpts {
  kdamonds?: string;
  ops?: OpsName;
  sample?: string;
  aggr?: string;
  update?: string;
  minRegions?: string;
  maxRegions?: string;
  targetPid?: string;
}

function common(cmd: Command): Command {
  return cmd
    .option("--sysfs-root <dir>", "DAMON sysfs admin directory", DEFAULT_SYSFS_ROOT)
    .option("--dry-run", "print every sysfs write instead of doing it")
    .option("--take-over", "act even on kdamonds damon-ts did not create (destroys them)");
}

function configOptions(cmd: Command): Command {
  return cmd
    .option("--kdamonds <file>", "damo kdamonds configuration (JSON or YAML)")
    .addOption(new Option("--ops <ops>", "operations set").choices(["vaddr", "fvaddr", "paddr"]))
    .option("--sample <time>", "sampling interval (e.g. 5ms)")
    .option("--aggr <time>", "aggregation interval (e.g. 100ms)")
    .option("--update <time>", "operations update interval (e.g. 1s)")
    .option("--min-regions <n>", "minimum number of regions")
    .option("--max-regions <n>", "maximum number of regions")
    .option("--target-pid <pid>", "process to monitor (vaddr/fvaddr)");
}

/** The backend; a dry run prints the writes it would make on stdout, or stderr when stdout is data. */
function backendOf(o: CommonOpts, printTo: "stdout" | "stderr" = "stdout"): KernelBackend {
  const print =
    printTo === "stdout" ? (l: string) => console.log(l) : (l: string) => process.stderr.write(`${l}\n`);
  return new KernelBackend({ root: o.sysfsRoot, dryRun: o.dryRun, takeOver: o.takeOver, print });
}

/** The configuration from --kdamonds, or from the attribute options (not both). */
export function configFromOptions(o: ConfigOpts): KdamondsConfig {
  const attrGiven = [o.ops, o.sample, o.aggr, o.update, o.minRegions, o.maxRegions, o.targetPid].some(
    (v) => v !== undefined,
  );
  if (o.kdamonds) {
    if (attrGiven)
      throw new UsageError(
        "give either --kdamonds or the attribute options (--ops, --sample, ...), not both",
      );
    return readKdamondsFile(o.kdamonds);
  }
  const ops = o.ops ?? "vaddr";
  if (ops !== "paddr" && o.targetPid === undefined)
    throw new UsageError(`--target-pid is needed for ${ops} (or use --ops paddr)`);
  return simpleKdamonds({
    ops,
    targetPid: o.targetPid === undefined ? null : parseCount(o.targetPid, "--target-pid"),
    sampleUs: o.sample === undefined ? undefined : parseDurationUs(o.sample, "--sample"),
    aggrUs: o.aggr === undefined ? undefined : parseDurationUs(o.aggr, "--aggr"),
    updateUs: o.update === undefined ? undefined : parseDurationUs(o.update, "--update"),
    minNrRegions: o.minRegions === undefined ? undefined : parseCount(o.minRegions, "--min-regions"),
    maxNrRegions: o.maxRegions === undefined ? undefined : parseCount(o.maxRegions, "--max-regions"),
  });
}

/** What `kernel record` would record, in one sentence (its dry run says it). */
export function recordPlanText(
  config: KdamondsConfig,
  duration: string,
  out: string,
  format: string,
): string {
  const ctx = config.kdamonds[0].contexts[0];
  const targets = ctx.targets.map((t) => (t.pid === null ? "physical memory" : `pid ${t.pid}`)).join(", ");
  return (
    `would start ${config.kdamonds.length} kdamond(s) and record kdamond 0 / context 0 ` +
    `(${ctx.ops}, ${targets || "no target"}) every ${ctx.intervals.aggrUs / 1000} ms aggregation ` +
    `for ${duration}, into ${out} (${format} damo record), then stop them`
  );
}

/**
 * `kernel record`: records through the backend and writes a damo record with the
 * record writer (announced on stderr); a dry run writes no file and says what the
 * rest of the recording would do. Returns the number of snapshots.
 */
export async function recordKernelToFile(
  b: KernelBackend,
  config: KdamondsConfig,
  out: string,
  format: RecordFormat,
  opts: KernelRecordOptions,
): Promise<number> {
  const snaps = await recordKernel(b, config, opts);
  if (b.dryRun) {
    process.stderr.write(`dry run: ${recordLoopText(config, b.root)}; nothing was written\n`);
    return 0;
  }
  const replaces = existedBefore(out);
  writeVmRecord(out, snaps, config, format);
  announceWritten(out, replaces, [snapshotCount(snaps.length), format]);
  return snaps.length;
}

/** The part of a recording a dry run cannot show as writes: the loop and the stop. */
function recordLoopText(config: KdamondsConfig, root: string): string {
  const si = withMonitorScheme(config).schemeIdx[0][0];
  return (
    `after the writes above, every aggregation interval it would run ` +
    `'echo update_schemes_tried_regions > ${root}/kdamonds/0/state' and read ` +
    `${root}/kdamonds/0/contexts/0/schemes/${si}/tried_regions/*/{start,end,nr_accesses,age}; ` +
    `at the end 'echo off' to each state and 'echo 0 > ${root}/kdamonds/nr_kdamonds'`
  );
}

export function registerKernel(program: Command): void {
  const kernel = program
    .command("kernel")
    .description(
      "drive a real kernel's DAMON through sysfs (needs root; never touches kdamonds it did not create)",
    );

  configOptions(
    common(kernel.command("start").description("create the configured kdamonds and turn them on")),
  ).action((o: CommonOpts & ConfigOpts) => {
    const b = backendOf(o);
    b.start(configFromOptions(o));
    if (!o.dryRun) process.stderr.write(`kdamonds started under ${b.root}\n`);
  });

  configOptions(
    common(
      kernel.command("commit").description("apply a changed configuration to the running kdamonds online"),
    ),
  ).action((o: CommonOpts & ConfigOpts) => {
    backendOf(o).commit(configFromOptions(o));
  });

  common(kernel.command("status").description("show kdamonds, their intervals and scheme stats"))
    .option("--json", "machine-readable output")
    .action((o: CommonOpts & { json?: boolean }) => {
      const b = backendOf(o, o.json ? "stderr" : "stdout");
      const st = b.status();
      if (o.dryRun && !b.hasTree())
        process.stderr.write(`dry run: no DAMON sysfs tree at ${b.root}, so nothing to read\n`);
      if (o.json) {
        console.log(JSON.stringify({ schema: "damon-ts/kernel-status/1", kdamonds: st }, null, 2));
        return;
      }
      if (st.length === 0) console.log("no kdamonds");
      for (const k of st) {
        console.log(
          `kdamond ${k.idx}: ${k.state}${k.pid > 0 ? ` (pid ${k.pid})` : ""}${k.ours ? "" : " [not created by damon-ts]"}`,
        );
        k.contexts.forEach((c, ci) => {
          console.log(
            `  context ${ci}: ${c.ops}, sample ${c.sampleUs} us, aggr ${c.aggrUs} us, update ${c.updateUs} us, ${c.nrTargets} target(s)`,
          );
          c.schemes.forEach((s, si) => {
            const st = s.stats
              ? `tried ${s.stats.nrTried} (${s.stats.szTried} B), applied ${s.stats.nrApplied} (${s.stats.szApplied} B), quota exceeded ${s.stats.qtExceeds}`
              : "no stats (off)";
            console.log(`    scheme ${si}: ${s.action}: ${st}`);
          });
        });
      }
    });

  addUiOption(
    configOptions(
      common(
        kernel.command("record").description("start, snapshot the regions every aggregation interval, stop"),
      ),
    ),
  )
    .option("--duration <time>", "how long to record", "10s")
    .option("-o, --out <file>", "damo record to write", "damon.data")
    .option("--format <format>", `record format (${RECORD_FORMATS.join(", ")})`, "json_compressed")
    .action(async (o: CommonOpts & ConfigOpts & { duration: string; out: string; format: string }) => {
      const config = configFromOptions(o);
      const durationMs = parseDurationUs(o.duration, "--duration") / 1000;
      if (!RECORD_FORMATS.includes(o.format as RecordFormat))
        throw new UsageError(
          `'${o.format}' is not a record format (${RECORD_FORMATS.join(", ")})`,
          "--format",
        );
      requireOutputFolder(o.out, "--out");
      const b = backendOf(o);
      if (o.dryRun) process.stderr.write(`dry run: ${recordPlanText(config, o.duration, o.out, o.format)}\n`);
      const ui = uiRunFeed("kernel record", o.out, null, config.kdamonds[0].contexts[0].intervals);
      let stop = false;
      const onSig = () => {
        stop = true;
      };
      process.once("SIGINT", onSig);
      try {
        await recordKernelToFile(b, config, o.out, o.format as RecordFormat, {
          durationMs,
          shouldStop: () => stop,
          onSnapshot: (s, i) => {
            ui?.snapshot({ ...s, targets: [s] });
            if (process.stderr.isTTY && !o.dryRun)
              process.stderr.write(`\rsnapshot ${i + 1}: ${s.regions.length} regions`);
          },
        });
        if (process.stderr.isTTY && !o.dryRun) process.stderr.write("\n");
        ui?.finish(null, null);
      } finally {
        process.off("SIGINT", onSig);
      }
    });

  common(kernel.command("stop").description("turn off and remove the kdamonds damon-ts created")).action(
    (o: CommonOpts) => {
      backendOf(o).stop();
    },
  );
}
