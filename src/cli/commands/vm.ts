/**
 * `damon-ts vm run <workload>`: run a masim-format workload in a qemu guest with a real
 * DAMON-enabled kernel and record what the kernel's DAMON saw.
 */
import type { Command } from "commander";
import { readKdamondsFile } from "../../config/kdamonds.js";
import { RECORD_FORMATS } from "../../record/write.js";
import type { RecordFormat } from "../../record/read.js";
import { writeVmRecord } from "../../vm/record.js";
import { UsageError } from "../../util/errors.js";
import { parseCount, parseDurationUs } from "../../util/units.js";
import { resolveWorkload, runVm, summarizePhases } from "../../vm/run.js";
import { maxOf, minOf } from "../../util/extremes.js";

interface VmRunOpts {
  kdamonds?: string;
  duration: string;
  numa: string;
  memory: string;
  repeat: string;
  out: string;
  format: string;
  cacheDir?: string;
  refreshKernel?: boolean;
  json?: boolean;
}

export function registerVm(program: Command): void {
  const vm = program
    .command("vm")
    .description("check against a real kernel DAMON in a qemu guest (Debian 6.12 kernel, TCG)");
  vm.command("run")
    .description("boot the guest, run a masim-format workload under DAMON, write the snapshots")
    .argument("<workload>", "masim-format config file (or the name of one in workloads/masim)")
    .option("--kdamonds <file>", "damo kdamonds configuration (vaddr target pids become the workload's)")
    .option("--duration <time>", "how long to monitor", "10s")
    .option("--numa <n>", "NUMA nodes in the guest (1 or 2)", "1")
    .option("--memory <MiB>", "guest memory in MiB", "512")
    .option("--repeat <n>", "times the workload repeats its phases", "1")
    .option("--out <file>", "damo-compatible record to write", "damon.data")
    .option("--format <format>", `record format (${RECORD_FORMATS.join(", ")})`, "json_compressed")
    .option("--cache-dir <dir>", "where the kernel image and workload binary are cached")
    .option("--refresh-kernel", "look for a newer kernel package even if one is cached")
    .option("--json", "print the run summary as JSON")
    .action(async (workload: string, o: VmRunOpts) => {
      const numa = parseCount(o.numa, "--numa");
      if (numa < 1 || numa > 2) throw new UsageError("--numa takes 1 or 2");
      if (!RECORD_FORMATS.includes(o.format as RecordFormat))
        throw new UsageError(`--format takes one of ${RECORD_FORMATS.join(", ")}, got '${o.format}'`);
      const progress = (m: string) => process.stderr.write(`${m}\n`);
      const r = await runVm({
        workloadFile: resolveWorkload(workload),
        kdamonds: o.kdamonds ? readKdamondsFile(o.kdamonds) : undefined,
        durationMs: parseDurationUs(o.duration, "--duration") / 1000,
        numaNodes: numa,
        memoryMiB: parseCount(o.memory, "--memory"),
        repeat: parseCount(o.repeat, "--repeat"),
        cacheDir: o.cacheDir,
        refreshKernel: o.refreshKernel,
        progress,
      });
      writeVmRecord(o.out, r.snapshots, r.config, o.format as RecordFormat);
      const phases = summarizePhases(r);
      const nr = r.snapshots.map((s) => s.regions.length);
      const summary = {
        schema: "damon-ts/vm-run/1",
        kernel: r.kernelVersion,
        out: o.out,
        snapshots: r.snapshots.length,
        nrRegions: nr.length ? { min: minOf(nr), max: maxOf(nr) } : null,
        phases,
        timings: r.timings,
      };
      if (o.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      console.log(
        `kernel ${r.kernelVersion}: ${r.snapshots.length} snapshots recorded in ${o.out} (${o.format})`,
      );
      if (summary.nrRegions)
        console.log(`regions per snapshot: ${summary.nrRegions.min}..${summary.nrRegions.max}`);
      for (const p of phases)
        console.log(
          `phase ${p.phase}: hottest region ${p.hottest ?? "-"} (${Math.round(p.agreement * 100)}% of ${p.snapshots} snapshots)`,
        );
      const t = r.timings;
      console.log(
        `time: setup ${(t.setupMs / 1000).toFixed(1)} s, booted at ${((t.bootMs ?? 0) / 1000).toFixed(1)} s, total ${(t.totalMs / 1000).toFixed(1)} s`,
      );
    });
}
