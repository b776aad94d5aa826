/**
 * `damon-ts run <workload>`: simulate a workload on the memory system with DAMON
 * watching it, then show what DAMON saw (a heatmap) and how well (accuracy
 * against the exact truth, next to the overhead it cost).
 */
import type { Command } from "commander";
import { runExperiment, workloadDurationNs, opsNames } from "../../eval/experiment.js";
import type { ExperimentResult } from "../../eval/experiment.js";
import { BUILTIN_WORKLOADS, resolveWorkload } from "../../workload/builtins.js";
import type { WorkloadSpec } from "../../workload/spec.js";
import { UsageError } from "../../util/errors.js";
import { parseCount } from "../../util/units.js";
import {
  addMonitorOptions,
  attrsFromOptions,
  durationOption,
  onOffOption,
  positiveNumberOption,
  sizeOption,
} from "../options.js";
import type { MonitorOptionValues } from "../options.js";
import { RunProgress } from "../progress.js";
import { fmtBytes, fmtNs, fmtPct, formatTable } from "../table.js";
import { runJson } from "../run-json.js";
import { renderRunHeatmap, RunRecorder } from "../run-heatmap.js";
import { sampleFiltersFrom } from "../sample-filters.js";
import { DEFAULT_HWSAMPLE_PERIOD } from "../../ops/hwsample.js";
import { machineShapeOptions, numaBalancingOption } from "../numa-options.js";

/** Operation sets that feed DAMON access reports (and so know CPU, thread and write). */
export const REPORT_SOURCES = new Set(["vaddr-fault", "paddr-fault", "hwsample", "hwsample-vaddr"]);
import { RECORD_FORMATS } from "../../record/write.js";
import type { RecordFormat } from "../../record/read.js";

function recordFormatOption(text: string): RecordFormat {
  if (!(RECORD_FORMATS as readonly string[]).includes(text))
    throw new UsageError(
      `'${text}' is not a record format (${RECORD_FORMATS.join(", ")})`,
      "--record-format",
    );
  return text as RecordFormat;
}

export interface RunOptionValues extends MonitorOptionValues {
  ops: string;
  duration?: string;
  seed: string;
  scale: string;
  timeScale?: string;
  threads?: string;
  tlb: string;
  memory: string;
  hotThreshold: string;
  baseline: boolean;
  json?: boolean;
  progress?: boolean;
  heatmap: boolean;
  record?: string;
  recordFormat?: string;
  filter?: string[];
  hinting: string;
  faultKeepArmed?: boolean;
  hwsamplePeriod: string;
  nodes?: string;
  tier?: string;
  numaBalancing: string;
  loop: string;
  nsPerInsn: string;
}

/** The workload list for --help: one line each. */
export function workloadHelp(): string {
  const w = Math.max(...BUILTIN_WORKLOADS.map((b) => b.name.length));
  return (
    "\nBuilt-in workloads (or give a path to a masim config file, or trace:FILE to replay a trace):\n" +
    BUILTIN_WORKLOADS.map((b) => `  ${b.name.padEnd(w)}  ${b.description}`).join("\n") +
    "\n"
  );
}

/** Adds the options every simulated run takes (workload shape, machine, accuracy). */
export function addSimulationOptions(cmd: Command): Command {
  return addMonitorOptions(cmd)
    .option("--duration <time>", "how long to simulate (default: the workload's own length)")
    .option("--seed <n>", "random seed of the workload and of DAMON", "1")
    .option("--scale <f>", "shrink the workload's sizes and phase durations by this factor", "1")
    .option("--time-scale <f>", "shrink only the phase durations (overrides --scale for time)")
    .option("--threads <n>", "threads of the multi-threaded workloads")
    .option("--tlb <on|off>", "model per-CPU TLBs (the Accessed bit is set only on TLB fills)", "on")
    .option("--memory <size>", "simulated memory (one NUMA node, or split by --nodes)", "4GiB")
    .option("--hot-threshold <f>", "access frequency (0..1] at which a page counts as hot", "0.5")
    .option("--no-baseline", "skip the unmonitored run that measures the slowdown")
    .option(
      "--filter <cond>",
      "count only some access reports (fault/sample sources): cpu=N, tid=N, write, read, !cpu=N ... (repeat: all must hold)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--hinting <mode>",
      "fault framework for *-fault sources: generic, or piggyback (the rejected RFC design)",
      "generic",
    )
    .option(
      "--hwsample-period <n>",
      "hwsample sources: report every Nth access of each CPU",
      String(DEFAULT_HWSAMPLE_PERIOD),
    )
    .option(
      "--fault-keep-armed",
      "*-fault sources: leave sampled pages armed until they fault, as the RFC does (default: disarm at the next sample)",
    )
    .option("--nodes <n>", "split --memory into N equal NUMA nodes, CPUs spread over them")
    .option(
      "--tier <fast,slow[,ns]>",
      "two tiers instead of --memory: a fast node with every CPU and a slow CPU-less node (access ns, default 25)",
    )
    .option(
      "--numa-balancing <mode>",
      "automatic NUMA balancing: off, on, or tiering (docs/numa-balancing.md)",
      "off",
    )
    .option("--loop <n>", "trace:FILE workloads: replay the trace this many times", "1")
    .option("--ns-per-insn <f>", "trace:FILE workloads: simulated ns per traced instruction", "0.5")
    .option("--json", "print the results as JSON (schema: docs/json-output.md)")
    .option("--progress", "show progress even when stderr is not a terminal");
}

export function workloadFromOptions(name: string, o: RunOptionValues): WorkloadSpec {
  return resolveWorkload(name, {
    scale: positiveNumberOption(o.scale, "--scale", 1000),
    timeScale:
      o.timeScale === undefined ? undefined : positiveNumberOption(o.timeScale, "--time-scale", 1000),
    threads: o.threads === undefined ? undefined : parseCount(o.threads, "--threads"),
    loop: parseCount(o.loop, "--loop"),
    nsPerInstruction: positiveNumberOption(o.nsPerInsn, "--ns-per-insn", 1e6),
  });
}

export function parseOpsList(text: string): string[] {
  const list = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) throw new UsageError("give at least one operation set", "--ops");
  for (const o of list) {
    if (!opsNames().includes(o))
      throw new UsageError(`unknown operation set '${o}' (known: ${opsNames().join(", ")})`, "--ops");
  }
  return list;
}

/** Runs one experiment per operation set with the common options, with progress. */
export function runAll(workloadName: string, o: RunOptionValues, opsList: string[]): ExperimentResult[] {
  const workload = workloadFromOptions(workloadName, o);
  const attrs = attrsFromOptions(o);
  const durationNs = durationOption(o.duration, "--duration") ?? workloadDurationNs(workload);
  const seed = parseCount(o.seed, "--seed");
  const tlb = onOffOption(o.tlb, "--tlb");
  const memory = sizeOption(o.memory, "--memory");
  const hotThreshold = positiveNumberOption(o.hotThreshold, "--hot-threshold", 1);
  const sampleFilters = o.filter ? sampleFiltersFrom(o.filter) : undefined;
  if (o.hinting !== "generic" && o.hinting !== "piggyback")
    throw new UsageError(`'${o.hinting}' is not a hinting mode (generic, piggyback)`, "--hinting");
  const hintingMode = o.hinting;
  const hwsamplePeriod = parseCount(o.hwsamplePeriod, "--hwsample-period");
  if (hwsamplePeriod < 1) throw new UsageError("must be at least 1", "--hwsample-period");
  if (sampleFilters) {
    const bitOps = opsList.filter((x) => !REPORT_SOURCES.has(x));
    if (bitOps.length > 0)
      throw new UsageError(
        `filters apply to access reports; ${bitOps.join(", ")} use Accessed bits, which do not know the CPU, thread or write`,
        "--filter",
      );
  }
  const shape = machineShapeOptions(o, memory, workload);
  const numaBalancing = numaBalancingOption(o.numaBalancing);
  const format = o.recordFormat === undefined ? undefined : recordFormatOption(o.recordFormat);
  return opsList.map((ops) => {
    const progress = new RunProgress(`${workload.name} / ${ops}`, o.progress);
    const recorder = o.record
      ? new RunRecorder(opsList.length > 1 ? `${o.record}.${ops}` : o.record, attrs, format)
      : null;
    try {
      const r = runExperiment({
        workload,
        ops,
        attrs,
        durationNs,
        seed,
        hotThreshold,
        sampleFilters,
        hintingMode,
        faultKeepArmed: o.faultKeepArmed === true,
        hwsamplePeriod,
        baseline: o.baseline,
        machine: { tlb: tlb ? undefined : false, ...shape },
        numaBalancing,
        onProgress: Number.isFinite(durationNs) ? (now, end) => progress.update(now, end) : undefined,
        onSnapshot: recorder ? (snap) => recorder.add(snap) : undefined,
      });
      recorder?.close();
      return r;
    } catch (e) {
      recorder?.abort();
      throw e;
    } finally {
      progress.done();
    }
  });
}

/** The accuracy and overhead rows of a summary (one column per run). */
export function metricRows(results: ExperimentResult[]): string[][] {
  const row = (name: string, f: (r: ExperimentResult) => string): string[] => [name, ...results.map(f)];
  const conv = (r: ExperimentResult): string => {
    const c = r.summary.convergence;
    if (c.length === 0) return "no phase change";
    const ok = c.filter((x) => x.windows !== null).map((x) => x.windows!);
    const missed = c.length - ok.length;
    const worst = ok.length ? Math.max(...ok) : 0;
    return missed ? `${missed}/${c.length} never` : `≤ ${worst} windows`;
  };
  return [
    row("frequency error (byte-weighted)", (r) => r.summary.freqError.toFixed(4)),
    row("hot-set precision", (r) => r.summary.precision.toFixed(3)),
    row("hot-set recall", (r) => r.summary.recall.toFixed(3)),
    row("hot-set F1", (r) => r.summary.f1.toFixed(3)),
    row("WSS median, estimated", (r) => fmtBytes(r.summary.estWssMedianBytes)),
    row("WSS median, true", (r) => fmtBytes(r.summary.trueWssMedianBytes)),
    row("WSS error (mean per window)", (r) => fmtPct(r.summary.wssRelError)),
    row("convergence after phase change", conv),
    row("regions (min..max)", (r) => `${r.summary.nrRegionsMin}..${r.summary.nrRegionsMax}`),
    row("access checks / s", (r) => r.summary.checksPerSec.toFixed(0)),
    row("access checks / M app accesses", (r) => r.summary.checksPerMillionAccesses.toFixed(1)),
    row("hinting faults / s", (r) => r.summary.faultsPerSec.toFixed(0)),
    row("access reports counted / s", (r) => (r.ctx.reports.stats.counted / (r.durationNs / 1e9)).toFixed(0)),
    row("access reports dropped (ring full)", (r) => String(r.ctx.reports.stats.overflowed)),
    row("monitoring CPU (share of one CPU)", (r) => fmtPct(r.summary.monitorCpuShare, 3)),
    row("app slowdown vs unmonitored", (r) =>
      r.summary.appSlowdown === null ? "not measured" : fmtPct(r.summary.appSlowdown, 3),
    ),
    ...numaRows(results),
    row("CPU attribution error (TV distance)", (r) =>
      r.summary.attribution ? r.summary.attribution.cpu.toFixed(3) : "n/a",
    ),
    row("thread attribution error (TV distance)", (r) =>
      r.summary.attribution ? r.summary.attribution.thread.toFixed(3) : "n/a",
    ),
  ];
}

/** NUMA balancing's counters, when any run had it on. */
function numaRows(results: ExperimentResult[]): string[][] {
  if (!results.some((r) => r.numaBalancing)) return [];
  const row = (name: string, f: (s: NonNullable<ExperimentResult["numaBalancing"]>) => string): string[] => [
    name,
    ...results.map((r) => (r.numaBalancing ? f(r.numaBalancing) : "off")),
  ];
  const remote = (s: NonNullable<ExperimentResult["numaBalancing"]>): string => {
    const r = s.byCpuNode.reduce((a, x) => a + x.remote, 0);
    return s.faults > 0 ? fmtPct(r / s.faults) : "no faults";
  };
  return [
    row("NUMA balancing: scans / pages armed", (s) => `${s.scans} / ${s.pagesArmed}`),
    row("NUMA balancing: hint faults (remote share)", (s) => `${s.faults} (${remote(s)})`),
    row("NUMA balancing: migrations / promotions", (s) => `${s.migrations} / ${s.promotions}`),
    row("NUMA balancing: promotions rate-limited", (s) => String(s.rateLimited)),
  ];
}

export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .argument("<workload>", "a built-in workload name, a masim config file or trace:FILE")
    .description("simulate a workload with DAMON watching it; show the heatmap, accuracy and overhead")
    .option("--ops <list>", `operation set(s), comma-separated: ${opsNames().join(", ")}`, "vaddr")
    .option("--no-heatmap", "do not print the heatmap")
    .option("--record <file>", "write DAMON's snapshots as a damo record (FILE.<ops> for several --ops)")
    .option("--record-format <fmt>", "json_compressed (damo's default), json or perf_script");
  addSimulationOptions(cmd).addHelpText("after", workloadHelp());
  cmd.action(runAction);
}

/** `damon-ts record`: the same as `run`, recording to damon.data unless told otherwise (damo's habit). */
export function registerRecord(program: Command): void {
  const cmd = program
    .command("record")
    .argument("<workload>", "a built-in workload name, a masim config file or trace:FILE")
    .description("the same as run, writing DAMON's snapshots to a damo record (default damon.data)")
    .option("--ops <list>", `operation set(s), comma-separated: ${opsNames().join(", ")}`, "vaddr")
    .option("--no-heatmap", "do not print the heatmap")
    .option("-o, --record <file>", "record file (FILE.<ops> for several --ops)", "damon.data")
    .option("--record-format <fmt>", "json_compressed (damo's default), json or perf_script");
  addSimulationOptions(cmd).addHelpText("after", workloadHelp());
  cmd.action(runAction);
}

function runAction(workloadName: string, o: RunOptionValues): void {
  const results = runAll(workloadName, o, parseOpsList(o.ops));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(runJson(results), null, 2)}\n`);
    return;
  }
  if (o.filter) console.log(`Counting only access reports where: ${o.filter.join(" and ")}.`);
  const first = results[0];
  const a = first.attrs;
  console.log(
    `${first.workload}: ${fmtNs(first.durationNs)} simulated, seed ${first.seed}; ` +
      `sample ${fmtNs(a.sampleUs * 1000)}, aggr ${fmtNs(a.aggrUs * 1000)}, regions ${a.minNrRegions}..${a.maxNrRegions}`,
  );
  for (const r of results) {
    if (o.heatmap) {
      console.log(
        `\n== ${r.ops}: access heatmap (x: ${r.space === "vaddr" ? "virtual" : "physical"} address, y: time)`,
      );
      console.log(renderRunHeatmap(r));
    }
  }
  console.log("\nAccuracy against the exact truth, and what it cost (definitions: docs/metrics.md):\n");
  console.log(formatTable(["metric", ...results.map((r) => r.ops)], metricRows(results)));
}
