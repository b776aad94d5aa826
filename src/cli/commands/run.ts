/**
 * `damon-ts run <workload>`: simulate a workload on the memory system with DAMON
 * watching it, then show what DAMON saw (a heatmap) and how well (accuracy
 * against the exact truth, next to the overhead it cost).
 */
import type { Command } from "commander";
import { workloadDurationNs } from "../../eval/experiment.js";
import { executeRun, prepareRun, type PreparedRun, type RunPlan } from "../../eval/run-plan.js";
import { findOps, opsDescriptor, opsNames } from "../../ops/registry.js";
import type { ExperimentResult, ResultData } from "../../eval/experiment.js";
import { runOnThreads, threadableSimulations } from "../run-threads.js";
import { BUILTIN_WORKLOADS, resolveWorkload, workloadFileOf } from "../../workload/builtins.js";
import type { WorkloadSpec } from "../../workload/spec.js";
import { UsageError } from "../../util/errors.js";
import { parseCount, parseSeed } from "../../util/units.js";
import { DEFAULT_SEED } from "../../util/rng.js";
import {
  addMonitorOptions,
  attrsFromOptions,
  durationOption,
  jobsOption,
  onOffOption,
  positiveNumberOption,
  sizeOption,
} from "../options.js";
import type { MonitorOptionValues } from "../options.js";
import { RunProgress } from "../progress.js";
import { refuseOverwritingInput, requireOutputFolder } from "../files.js";
import { outputTarget } from "../../util/atomic-write.js";
import { colorFor } from "../color.js";
import { missWarnings, runSummaryText } from "../run-summary.js";
import { fmtNs, formatTable } from "../table.js";
import { runJson } from "../run-json.js";
import { renderRunHeatmap, RunRecorder } from "../run-heatmap.js";
import { sampleFiltersFrom } from "../sample-filters.js";
import { addProbeOptions, probesOption, requireProbeOps, type ProbeOptionValues } from "../probe-options.js";
import { DEFAULT_HWSAMPLE_PERIOD } from "../../ops/hwsample.js";
import { PTSCAN_DEFAULT_BUDGET } from "../../ops/ptscan.js";
import { HINTING_MODES, isHintingMode } from "../../mm/hinting/isolation.js";
import { DEFAULT_NS_PER_INSTRUCTION } from "../../workload/trace-replay.js";
import { machineShapeOptions, numaBalancingOption } from "../numa-options.js";
import { requireSourceOptions, requireTieringOptions, requireTraceOptions } from "../source-options.js";
import { printDamos } from "../run-damos.js";
import { metricRows } from "../run-metrics.js";
import { SWAP_DEVICES, type SwapDevice } from "../../mm/cost-model.js";
import {
  blindSpotWarning,
  DEFAULT_MACHINE_PROFILE,
  machineProfileOption,
} from "../machine-profile-option.js";
import { addExporterOption, startRunExporterFromOptions, type RunFeed } from "../../exporter/attach.js";

import { RECORD_FORMATS } from "../../record/write.js";
import type { RecordFormat } from "../../record/read.js";
import { addUiOption, uiRunFeed, type UiAttachValues } from "../ui-options.js";
import { allSchemes, type DamosHandle } from "../../eval/damos.js";

function recordFormatOption(text: string): RecordFormat {
  if (!(RECORD_FORMATS as readonly string[]).includes(text))
    throw new UsageError(
      `'${text}' is not a record format (${RECORD_FORMATS.join(", ")})`,
      "--record-format",
    );
  return text as RecordFormat;
}

export interface RunOptionValues extends MonitorOptionValues, UiAttachValues, ProbeOptionValues {
  ops: string;
  duration?: string;
  seed: string;
  scale: string;
  timeScale?: string;
  threads?: string;
  tlb: string;
  machineProfile: string;
  /** Unset when not given (--tier gives the memory instead). */
  memory?: string;
  hotThreshold: string;
  baseline: boolean;
  json?: boolean;
  progress?: boolean;
  heatmap: boolean;
  record?: string;
  recordFormat?: string;
  filter?: string[];
  hinting?: string;
  faultKeepArmed?: boolean;
  hwsamplePeriod?: string;
  ptscanBudget?: string;
  nodes?: string;
  tier?: string;
  numaBalancing: string;
  loop?: string;
  nsPerInsn?: string;
  allowDamagedTrace?: boolean;
  decodeAhead?: string;
  kdamonds?: string;
  scheme?: string[];
  preset?: string;
  fastMemory?: string;
  startTier?: string;
  swap: string;
  exporter?: string;
  /** `run`/`record`: worker threads for the run's simulations. */
  jobs?: string;
}

export type { DamosOutcome } from "../../eval/damos.js";
/** Most threads `run` starts for its simulations by default (each holds its own simulated machine). */
const MAX_RUN_THREADS = 8;

/** Simulated memory when neither --memory nor --tier is given. */
export const DEFAULT_MEMORY = "4GiB";

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
  return addProbeOptions(addMonitorOptions(cmd))
    .option("--duration <time>", "how long to simulate (default: the workload's own length)")
    .option("--seed <n>", "random seed of the workload and of DAMON", String(DEFAULT_SEED))
    .option(
      "--scale <f>",
      "multiply the workload's sizes and phase durations by this factor (0.1 shrinks, 64 grows)",
      "1",
    )
    .option("--time-scale <f>", "multiply only the phase durations (overrides --scale for time)")
    .option("--threads <n>", "threads of the multi-threaded workloads")
    .option("--tlb <on|off>", "model per-CPU TLBs (the Accessed bit is set only on TLB fills)", "on")
    .option(
      "--machine-profile <name>",
      "TLB size and invalidation events: guest (qemu, PTI, HZ 250), server (PCID, no PTI), ideal (no TLB)",
      DEFAULT_MACHINE_PROFILE,
    )
    .option(
      "--memory <size>",
      `simulated memory (one NUMA node, or split by --nodes) (default: "${DEFAULT_MEMORY}")`,
    )
    .option("--hot-threshold <f>", "access frequency (0..1] at which a page counts as hot", "0.5")
    .option("--no-baseline", "skip the unmonitored run that measures the slowdown")
    .option(
      "--filter <cond>",
      "count only some access reports (fault/sample sources): cpu=N, tid=N, write, read, !cpu=N ... (repeat: all must hold)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--hinting <mode>",
      "fault framework for *-fault sources and NUMA balancing: generic, or an isolation policy (run-time = piggyback, the rejected RFC; build-time, partial, ignore: docs/interference.md) (default: generic)",
    )
    .option(
      "--hwsample-period <n>",
      `hwsample sources: report every Nth access of each CPU (default: ${DEFAULT_HWSAMPLE_PERIOD})`,
    )
    .option(
      "--ptscan-budget <n>",
      `ptscan source: page-table entries read per sampling interval (docs/ptscan.md) (default: ${PTSCAN_DEFAULT_BUDGET})`,
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
    .option("--loop <n>", "trace:FILE workloads: replay the trace this many times (default: 1)")
    .option(
      "--ns-per-insn <f>",
      `trace:FILE workloads: simulated ns per traced instruction (default: ${DEFAULT_NS_PER_INSTRUCTION})`,
    )
    .option(
      "--allow-damaged-trace",
      "trace:FILE workloads: replay a damaged or partial trace (what is readable) instead of refusing it",
    )
    .option(
      "--decode-ahead <mode>",
      "trace:FILE workloads: decode the trace on a second thread while the replay runs: auto, on or off " +
        "(default: auto, on when this process may use two CPUs, counting the cgroup quota, and the replay " +
        "runs on the main thread: one simulation or --jobs 1; docs/replay.md). The same results every way",
    )
    .option("--kdamonds <file>", "run the DAMOS schemes of a damo kdamonds JSON/YAML file (its one context)")
    .option(
      "--scheme <text>",
      "a DAMOS scheme in the compact form, e.g. 'pageout nr=0..0 age=5s..' (repeat for more; docs/damos.md)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--preset <name>", "DAMOS preset: reclaim, lru-sort or tiering (paddr unless --ops is given)")
    .option("--fast-memory <size>", "tiering: size of the fast tier (node 0; --memory is the slow tier)")
    .option(
      "--start-tier <tier>",
      "tiering: where first touches go, fast (node 0 first) or slow (node 1) (default: fast)",
    )
    .option("--swap <device>", "swap device: zswap (in-memory, fast) or disk (SSD latency)", "zswap")
    .option("--json", "print the results as JSON (schema: docs/json-output.md)")
    .option("--progress", "show progress even when stderr is not a terminal");
}

/**
 * Largest --scale (durations scale too: memory-light workloads may go this far).
 * tiny-hot maps 64 GiB × scale, so it fits up to 1365 (85 TiB, the largest free
 * range of 4-level user space below the binary); past that mmap says so.
 */
const MAX_SCALE = 4096;

/** --decode-ahead: undefined for auto (ReplayOptions.decodeAhead's default). */
function decodeAheadOption(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "auto") return undefined;
  if (v === "on" || v === "off") return v === "on";
  throw new UsageError(`'${v}' is not a mode: auto, on or off`, "--decode-ahead");
}

export function workloadFromOptions(name: string, o: RunOptionValues): WorkloadSpec {
  requireTraceOptions(o, name);
  const threads = o.threads === undefined ? undefined : parseCount(o.threads, "--threads");
  const w = resolveWorkload(name, {
    scale: positiveNumberOption(o.scale, "--scale", MAX_SCALE),
    timeScale:
      o.timeScale === undefined ? undefined : positiveNumberOption(o.timeScale, "--time-scale", 1000),
    threads,
    loop: o.loop === undefined ? undefined : parseCount(o.loop, "--loop"),
    nsPerInstruction:
      o.nsPerInsn === undefined ? undefined : positiveNumberOption(o.nsPerInsn, "--ns-per-insn", 1e6),
    allowDamagedTrace: o.allowDamagedTrace === true,
    decodeAhead: decodeAheadOption(o.decodeAhead),
  });
  // A workload that does not take a thread count would silently ignore --threads.
  if (threads !== undefined && w.threads.length !== threads) {
    const takers = BUILTIN_WORKLOADS.filter(
      (b) => b.build({ threads: 3, timeScale: 1e-3 }).threads.length === 3,
    );
    throw new UsageError(
      `'${name}' runs ${w.threads.length} thread(s) of its own and does not take a thread count; ` +
        `--threads applies to ${takers.map((b) => b.name).join(", ")}`,
      "--threads",
    );
  }
  return w;
}

export function parseOpsList(text: string): string[] {
  const list = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) throw new UsageError("give at least one operation set", "--ops");
  for (const o of list) {
    if (!findOps(o))
      throw new UsageError(`unknown operation set '${o}' (known: ${opsNames().join(", ")})`, "--ops");
  }
  return list;
}

/** The run plan (src/eval/run-plan.ts) the options describe; option text is checked here. */
export function runPlanFromOptions(
  workloadName: string,
  o: RunOptionValues,
  opsList: string[],
  opsExplicit = true,
): RunPlan {
  const workload = workloadFromOptions(workloadName, o);
  const memoryBytes = sizeOption(o.memory ?? DEFAULT_MEMORY, "--memory");
  const hintingMode = o.hinting ?? "generic";
  if (!isHintingMode(hintingMode))
    throw new UsageError(`'${hintingMode}' is not a hinting mode (${HINTING_MODES.join(", ")})`, "--hinting");
  const hwsamplePeriod = parseCount(o.hwsamplePeriod ?? String(DEFAULT_HWSAMPLE_PERIOD), "--hwsample-period");
  if (hwsamplePeriod < 1) throw new UsageError("must be at least 1", "--hwsample-period");
  const ptscanBudget = parseCount(o.ptscanBudget ?? String(PTSCAN_DEFAULT_BUDGET), "--ptscan-budget");
  if (ptscanBudget < 512) throw new UsageError("must be at least 512 (one table page)", "--ptscan-budget");
  if (!(o.swap in SWAP_DEVICES))
    throw new UsageError(
      `'${o.swap}' is not a swap device (${Object.keys(SWAP_DEVICES).join(", ")})`,
      "--swap",
    );
  const startTier = o.startTier ?? "fast";
  if (startTier !== "fast" && startTier !== "slow")
    throw new UsageError(`'${startTier}' is not a tier (fast, slow)`, "--start-tier");
  return {
    workload,
    ops: opsList,
    opsExplicit,
    attrs: attrsFromOptions(o),
    durationNs: durationOption(o.duration, "--duration") ?? workloadDurationNs(workload),
    seed: parseSeed(o.seed, "--seed"),
    tlb: onOffOption(o.tlb, "--tlb"),
    profile: machineProfileOption(o.machineProfile ?? DEFAULT_MACHINE_PROFILE),
    memoryBytes,
    shape: machineShapeOptions(o, memoryBytes, workload),
    shapeOptions: [o.nodes !== undefined ? "--nodes" : "", o.tier !== undefined ? "--tier" : ""].filter(
      Boolean,
    ),
    swap: o.swap as SwapDevice,
    hotThreshold: positiveNumberOption(o.hotThreshold, "--hot-threshold", 1),
    sampleFilters: o.filter ? sampleFiltersFrom(o.filter) : undefined,
    hintingMode,
    faultKeepArmed: o.faultKeepArmed === true,
    hwsamplePeriod,
    ptscanBudget,
    baseline: o.baseline,
    numaBalancing: numaBalancingOption(o.numaBalancing),
    damos: {
      kdamondsFile: o.kdamonds,
      schemes: o.scheme,
      preset: o.preset,
      fastMemoryBytes: o.fastMemory === undefined ? undefined : sizeOption(o.fastMemory, "--fast-memory"),
      startTier,
    },
  };
}

/** The checked run plan of the options, DAMOS and probes set up (no simulation yet). */
export function preparedRunFromOptions(
  workloadName: string,
  o: RunOptionValues,
  opsList: string[],
  opsExplicit = true,
): PreparedRun {
  const plan = runPlanFromOptions(workloadName, o, opsList, opsExplicit);
  if (o.recordFormat !== undefined) recordFormatOption(o.recordFormat);
  const prepared = prepareRun(plan);
  if (o.record !== undefined) recordPaths(workloadName, o.record, prepared.ops);
  requireProbeOps(o, prepared.ops);
  requireSourceOptions(
    o,
    prepared.ops,
    plan.numaBalancing !== undefined,
    opsExplicit ? "--ops" : prepared.damos !== null ? "the DAMOS setup's choice" : "the default --ops",
  );
  requireTieringOptions(o, prepared.damos?.fastNode != null);
  // Probes are checked against the final intervals (a --kdamonds file may set them).
  plan.probes = probesOption(o, prepared.attrs);
  return prepared;
}

/**
 * The files --record writes, FILE or FILE.OPS per operation set, each checked before
 * any run: a name, a writable place, not the workload's own file (a masim config or
 * a trace), and no FILE.OPS beside a device or pipe (`--record /dev/null` with two
 * sources would create /dev/null.vaddr).
 */
export function recordPaths(workloadName: string, record: string, ops: string[]): string[] {
  if (record === "") throw new UsageError("the file name is empty", "--record");
  if (ops.length > 1 && outputTarget(record).inPlace)
    throw new UsageError(
      `with several --ops, a record per operation set is written (${record}.${ops[0]}, ...): give a file name, not a device or pipe`,
      "--record",
    );
  const paths = ops.length > 1 ? ops.map((x) => `${record}.${x}`) : [record];
  const input = workloadFileOf(workloadName);
  for (const p of paths) {
    requireOutputFolder(p, "--record");
    if (input !== null) refuseOverwritingInput(p, [input], "--record");
  }
  return paths;
}

/** Runs one experiment per operation set with the common options, with progress (and --record). */
export function runAll(
  workloadName: string,
  o: RunOptionValues,
  opsList: string[],
  opsExplicit = true,
  feed?: RunFeed,
): ExperimentResult[] {
  return runPrepared(workloadName, o, preparedRunFromOptions(workloadName, o, opsList, opsExplicit), feed);
}

/** runAll's simulations, one after another on this thread, from its prepared plan. */
export function runPrepared(
  workloadName: string,
  o: RunOptionValues,
  prepared: PreparedRun,
  feed?: RunFeed,
): ExperimentResult[] {
  const plan = prepared.plan;
  const format = o.recordFormat === undefined ? undefined : recordFormatOption(o.recordFormat);
  // Once for the run, not per operation set: one path per set, in prepared.ops order.
  const records = o.record === undefined ? null : recordPaths(workloadName, o.record, prepared.ops);
  return executeRun(prepared, (ops) => {
    const progress = new RunProgress(`${plan.workload.name} / ${ops}`, o.progress);
    const recorder =
      records !== null ? new RunRecorder(records[prepared.ops.indexOf(ops)], prepared.attrs, format) : null;
    const space = opsDescriptor(ops).space;
    let damosHandle: DamosHandle | undefined;
    const ui = uiRunFeed(
      `${plan.workload.name} / ${ops}`,
      `run ${workloadName}`,
      space,
      prepared.attrs,
      prepared.damos ? () => (damosHandle ? allSchemes(damosHandle) : []) : undefined,
    );
    // The exporter numbers kdamonds per run; with DAMOS it needs the run's handle, known at onDamos.
    let hooks = feed && !prepared.damos ? feed.hooksFor(undefined) : undefined;
    return {
      onProgress: (now, end) => progress.update(now, end),
      onSetup: feed ? (m, ctx) => hooks?.onSetup(m, ctx) : undefined,
      onSnapshot:
        recorder || ui || feed
          ? (snap) => {
              recorder?.add(snap);
              ui?.snapshot(snap);
              hooks?.onSnapshot(snap);
            }
          : undefined,
      onTruthWindow: ui ? (w) => ui.truth(w, space) : undefined,
      onDamos: (h) => {
        damosHandle = h;
        if (feed) hooks = feed.hooksFor(h);
      },
      done: (ok) => {
        if (ok) recorder?.close();
        else recorder?.abort();
        progress.done();
      },
      onResult: ui
        ? (r) => ui.finish({ columns: ["metric", r.ops], rows: metricRows([r]) }, runJson([r]))
        : undefined,
    };
  });
}

export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .argument("<workload>", "a built-in workload name, a masim config file or trace:FILE")
    .description("simulate a workload with DAMON watching it; show the heatmap, accuracy and overhead")
    .option("--ops <list>", `operation set(s), comma-separated: ${opsNames().join(", ")}`, "vaddr")
    .option("--no-heatmap", "do not print the heatmap")
    .option("--record <file>", "write DAMON's snapshots as a damo record (FILE.<ops> for several --ops)")
    .option("--record-format <fmt>", "json_compressed (damo's default), json or perf_script")
    .option(
      "-j, --jobs <n>",
      `threads for the run's simulations, one per --ops and the unmonitored baseline (default: one each, at most ${MAX_RUN_THREADS}; 1: one after another)`,
    );
  addExporterOption(addUiOption(addSimulationOptions(cmd))).addHelpText("after", workloadHelp());
  cmd.action(runActionFor(cmd));
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
    .option("--record-format <fmt>", "json_compressed (damo's default), json or perf_script")
    .option(
      "-j, --jobs <n>",
      `threads for the run's simulations, one per --ops and the unmonitored baseline (default: one each, at most ${MAX_RUN_THREADS}; 1: one after another)`,
    );
  addExporterOption(addUiOption(addSimulationOptions(cmd))).addHelpText("after", workloadHelp());
  cmd.action(runActionFor(cmd));
}

function runActionFor(cmd: Command): (workloadName: string, o: RunOptionValues) => Promise<void> {
  return async (workloadName, o) => {
    const exporter = await startRunExporterFromOptions(o, `sim:${workloadName}`);
    try {
      await runAction(cmd, workloadName, o, exporter ?? undefined);
    } catch (e) {
      await exporter?.close();
      throw e;
    }
    await exporter?.serveUntilInterrupted((l) => process.stderr.write(`${l}\n`));
  };
}

/**
 * The run's simulations: on worker threads when there are several and they can
 * run apart (run-threads.ts), else one after another here. The same results either way.
 */
async function runSimulations(
  cmd: Command,
  workloadName: string,
  o: RunOptionValues,
  feed?: RunFeed,
): Promise<(ExperimentResult | ResultData)[]> {
  const jobs = o.jobs === undefined ? undefined : jobsOption(o.jobs);
  const opsExplicit = cmd.getOptionValueSource("ops") !== "default";
  const prepared = preparedRunFromOptions(workloadName, o, parseOpsList(o.ops), opsExplicit);
  printWorkloadWarnings(prepared);
  const sims = threadableSimulations(o, prepared, feed !== undefined);
  // One thread per simulation by default, even past the host's cores: the OS then
  // shares the cores among them, and the run ends when their total work is done
  // (npm start: three simulations on two cores), not after the two smallest back to back.
  const workers = jobs ?? Math.min(sims, MAX_RUN_THREADS);
  if (workers > 1 && sims > 1) return runOnThreads(workloadName, o, prepared, opsExplicit, workers);
  return runPrepared(workloadName, o, prepared, feed);
}

async function runAction(
  cmd: Command,
  workloadName: string,
  o: RunOptionValues,
  feed?: RunFeed,
): Promise<void> {
  const results = await runSimulations(cmd, workloadName, o, feed);
  printBlindSpotWarnings(results, o);
  if (o.json) {
    // The warnings go to stderr with --json too: the JSON on stdout stays clean.
    for (const w of missWarnings(results)) console.error(w);
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
      console.log(colorFor(process.stdout, renderRunHeatmap(r)));
    }
  }
  console.log(`\n${runSummaryText(results)}`);
  for (const w of missWarnings(results)) console.error(w);
  console.log("\nAccuracy against the exact truth, and what it cost (definitions: docs/metrics.md):\n");
  console.log(formatTable(["metric", ...results.map((r) => r.ops)], metricRows(results)));
  for (const r of results) if ("machine" in r) printDamos(r);
}

/** What the workload asks the user be told before its runs (a damaged trace replayed anyway), on stderr. */
export function printWorkloadWarnings(prepared: PreparedRun): void {
  for (const w of prepared.plan.workload.warnings ?? []) console.error(`warning: ${w}`);
}

/** One stderr line per run whose Accessed-bit checks the TLB blinded (machine-profile-option.ts). */
export function printBlindSpotWarnings(results: ResultData[], o: RunOptionValues): void {
  const profile = machineProfileOption(o.machineProfile ?? DEFAULT_MACHINE_PROFILE);
  for (const r of results) {
    const w = blindSpotWarning(r, profile);
    if (w) process.stderr.write(`${w}\n`);
  }
}
