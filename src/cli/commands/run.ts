/**
 * `damon-ts run <workload>`: simulate a workload on the memory system with DAMON
 * watching it, then show what DAMON saw (a heatmap) and how well (accuracy
 * against the exact truth, next to the overhead it cost).
 */
import type { Command } from "commander";
import { runExperiment, workloadDurationNs, opsNames, opsSpace } from "../../eval/experiment.js";
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
import { requireOutputFolder } from "../files.js";
import { colorFor } from "../color.js";
import { runSummaryText } from "../run-summary.js";
import { fmtBytes, fmtNs, fmtPct, formatTable } from "../table.js";
import { runJson } from "../run-json.js";
import { renderRunHeatmap, RunRecorder } from "../run-heatmap.js";
import { sampleFiltersFrom } from "../sample-filters.js";
import { addProbeOptions, probesOption, requireProbeOps, type ProbeOptionValues } from "../probe-options.js";
import { DEFAULT_HWSAMPLE_PERIOD } from "../../ops/hwsample.js";
import { machineShapeOptions, numaBalancingOption } from "../numa-options.js";
import { setupDamos } from "../../eval/damos-setup.js";
import {
  allSchemes,
  damosEngine,
  damosOutcomes,
  kdamondCpuProfile,
  reclaimReport,
  TierTracker,
  tieringReport,
} from "../../eval/damos.js";
import { SWAP_DEVICES, type SwapDevice } from "../../mm/cost-model.js";
import {
  blindSpotWarning,
  DEFAULT_MACHINE_PROFILE,
  machineProfileOption,
  withMachineProfile,
} from "../machine-profile-option.js";

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

export interface RunOptionValues extends MonitorOptionValues, ProbeOptionValues {
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
  hinting: string;
  faultKeepArmed?: boolean;
  hwsamplePeriod: string;
  nodes?: string;
  tier?: string;
  numaBalancing: string;
  loop: string;
  nsPerInsn: string;
  allowDamagedTrace?: boolean;
  kdamonds?: string;
  scheme?: string[];
  preset?: string;
  fastMemory?: string;
  startTier: string;
  swap: string;
}

export { damosOutcomes, type DamosOutcome } from "../../eval/damos.js";
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
    .option("--seed <n>", "random seed of the workload and of DAMON", "1")
    .option("--scale <f>", "shrink the workload's sizes and phase durations by this factor", "1")
    .option("--time-scale <f>", "shrink only the phase durations (overrides --scale for time)")
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
    .option(
      "--allow-damaged-trace",
      "trace:FILE workloads: replay a damaged or partial trace (what is readable) instead of refusing it",
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
      "tiering: where first touches go, fast (node 0 first) or slow (node 1)",
      "fast",
    )
    .option("--swap <device>", "swap device: zswap (in-memory, fast) or disk (SSD latency)", "zswap")
    .option("--json", "print the results as JSON (schema: docs/json-output.md)")
    .option("--progress", "show progress even when stderr is not a terminal");
}

export function workloadFromOptions(name: string, o: RunOptionValues): WorkloadSpec {
  const threads = o.threads === undefined ? undefined : parseCount(o.threads, "--threads");
  const w = resolveWorkload(name, {
    scale: positiveNumberOption(o.scale, "--scale", 1000),
    timeScale:
      o.timeScale === undefined ? undefined : positiveNumberOption(o.timeScale, "--time-scale", 1000),
    threads,
    loop: parseCount(o.loop, "--loop"),
    nsPerInstruction: positiveNumberOption(o.nsPerInsn, "--ns-per-insn", 1e6),
    allowDamagedTrace: o.allowDamagedTrace === true,
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
    if (!opsNames().includes(o))
      throw new UsageError(`unknown operation set '${o}' (known: ${opsNames().join(", ")})`, "--ops");
  }
  return list;
}

/** Runs one experiment per operation set with the common options, with progress. */
export function runAll(
  workloadName: string,
  o: RunOptionValues,
  opsList: string[],
  opsExplicit = true,
): ExperimentResult[] {
  const workload = workloadFromOptions(workloadName, o);
  let attrs = attrsFromOptions(o);
  const durationNs = durationOption(o.duration, "--duration") ?? workloadDurationNs(workload);
  const seed = parseCount(o.seed, "--seed");
  const tlb = onOffOption(o.tlb, "--tlb");
  const profile = machineProfileOption(o.machineProfile ?? DEFAULT_MACHINE_PROFILE);
  const memory = sizeOption(o.memory ?? DEFAULT_MEMORY, "--memory");
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
  if (o.record) requireOutputFolder(o.record, "--record");
  if (!(o.swap in SWAP_DEVICES))
    throw new UsageError(
      `'${o.swap}' is not a swap device (${Object.keys(SWAP_DEVICES).join(", ")})`,
      "--swap",
    );
  const damos = setupDamos({
    kdamondsFile: o.kdamonds,
    schemes: o.scheme,
    preset: o.preset,
    ops: opsExplicit ? opsList[0] : undefined,
    attrs,
    memoryBytes: memory,
    fastMemoryBytes: o.fastMemory === undefined ? undefined : sizeOption(o.fastMemory, "--fast-memory"),
    footprintBytes: workload.regions.reduce((x, r) => x + r.sizeBytes, 0),
    swap: o.swap as SwapDevice,
    tlb,
  });
  if (o.startTier !== "fast" && o.startTier !== "slow")
    throw new UsageError(`'${o.startTier}' is not a tier (fast, slow)`, "--start-tier");
  if (damos) {
    attrs = damos.attrs;
    if (!opsExplicit) opsList = [damos.ops];
  }
  if (o.startTier === "slow" && damos?.fastNode != null)
    workload.regions = workload.regions.map((r) => ({ ...r, node: 1 - damos.fastNode! }));
  requireProbeOps(o, opsList);
  return opsList.map((ops) => {
    const progress = new RunProgress(`${workload.name} / ${ops}`, o.progress);
    const recorder = o.record
      ? new RunRecorder(opsList.length > 1 ? `${o.record}.${ops}` : o.record, attrs, format)
      : null;
    const engine = damos ? damosEngine(damos.configs, opsSpace(ops)) : null;
    const extra = (damos?.extraContexts ?? []).map((x) => ({
      regions: x.regions,
      schemes: damosEngine(x.configs, "paddr", engine!.handle).factory,
    }));
    const tiers = damos?.fastNode != null ? new TierTracker(damos.fastNode) : null;
    try {
      const r = runExperiment({
        workload,
        ops,
        attrs,
        durationNs,
        seed,
        hotThreshold,
        sampleFilters: sampleFilters ?? damos?.sampleFilters,
        probes: probesOption(o, attrs) ?? damos?.probes,
        hintingMode,
        faultKeepArmed: o.faultKeepArmed === true,
        hwsamplePeriod,
        baseline: o.baseline,
        machine: withMachineProfile(damos?.machine ?? { ...shape }, profile, tlb),
        numaBalancing,
        baselineMachine: damos?.baselineMachine && withMachineProfile(damos.baselineMachine, profile, tlb),
        targetRegions: damos?.targetRegions,
        extraContexts: extra,
        schemes: engine?.factory,
        onTruthWindow: tiers ? (w, m) => tiers.onWindow(w, m) : undefined,
        onProgress: Number.isFinite(durationNs) ? (now, end) => progress.update(now, end) : undefined,
        onSnapshot: recorder ? (snap) => recorder.add(snap) : undefined,
      });
      recorder?.close();
      if (engine)
        damosOutcomes.set(r, {
          handle: engine.handle,
          tiers,
          fastNodeFrames: damos!.fastNodeFrames,
          preset: damos!.preset,
        });
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
  const scored = (r: ExperimentResult): string => {
    const s = r.summary;
    const why = [...new Set(s.unscored.map((u) => u.reason))].join("; ");
    return `${s.windowsScored} / ${s.windowsUnscored}${why ? ` (${why})` : ""}`;
  };
  return [
    row("windows scored / unscored", scored),
    row("frequency error (byte-weighted)", (r) => r.summary.freqError.toFixed(4)),
    row("hot-set precision", (r) => r.summary.precision.toFixed(3)),
    row("hot-set recall", (r) => r.summary.recall.toFixed(3)),
    row("hot-set F1 (mean of all windows; idle = 1)", (r) => r.summary.f1.toFixed(3)),
    row("hot-set F1 (active windows)", (r) =>
      r.summary.f1Active === null
        ? "no active window"
        : `${r.summary.f1Active.toFixed(3)} (${r.summary.activeWindows})`,
    ),
    row("hot-set F1 (byte-weighted)", (r) =>
      r.summary.f1Bytes === null ? "nothing hot" : r.summary.f1Bytes.toFixed(3),
    ),
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
    .option("--record-format <fmt>", "json_compressed (damo's default), json or perf_script");
  addSimulationOptions(cmd).addHelpText("after", workloadHelp());
  cmd.action(runActionFor(cmd));
}

function runActionFor(cmd: Command): (workloadName: string, o: RunOptionValues) => void {
  return (workloadName, o) => runAction(cmd, workloadName, o);
}

function runAction(cmd: Command, workloadName: string, o: RunOptionValues): void {
  const results = runAll(workloadName, o, parseOpsList(o.ops), cmd.getOptionValueSource("ops") !== "default");
  printBlindSpotWarnings(results, o);
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
      console.log(colorFor(process.stdout, renderRunHeatmap(r)));
    }
  }
  console.log(`\n${runSummaryText(results)}`);
  console.log("\nAccuracy against the exact truth, and what it cost (definitions: docs/metrics.md):\n");
  console.log(formatTable(["metric", ...results.map((r) => r.ops)], metricRows(results)));
  for (const r of results) printDamos(r);
}

/** One stderr line per run whose Accessed-bit checks the TLB blinded (machine-profile-option.ts). */
export function printBlindSpotWarnings(results: ExperimentResult[], o: RunOptionValues): void {
  const profile = machineProfileOption(o.machineProfile ?? DEFAULT_MACHINE_PROFILE);
  for (const r of results) {
    const w = blindSpotWarning(r, profile);
    if (w) process.stderr.write(`${w}\n`);
  }
}

/** The DAMOS tables of a run: per-scheme stats, memory events, and the preset's goal measures. */
export function printDamos(r: ExperimentResult): void {
  const d = damosOutcomes.get(r);
  if (!d || d.handle.runners.length === 0) return;
  const schemes = allSchemes(d.handle);
  console.log(`\nDAMOS schemes (${r.ops}):\n`);
  console.log(
    formatTable(
      [
        "#",
        "action",
        "nr_tried",
        "sz_tried",
        "nr_applied",
        "sz_applied",
        "sz_ops_filter_passed",
        "qt_exceeds",
        "eff. quota",
      ],
      schemes.map((s, i) => [
        String(i),
        s.action,
        String(s.stat.nrTried),
        fmtBytes(s.stat.szTried),
        String(s.stat.nrApplied),
        fmtBytes(s.stat.szApplied),
        fmtBytes(s.stat.szOpsFilterPassed),
        String(s.stat.qtExceeds),
        Number.isFinite(s.quota.esz) && s.quota.esz > 0 ? fmtBytes(s.quota.esz) : "-",
      ]),
    ),
  );
  const mem = r.machine.mem;
  const rows: string[][] = [
    ["pages swapped out / in", `${mem.swapOuts} / ${mem.swapIns}`],
    [
      "reclaimed by DAMOS / kswapd / direct",
      `${mem.pageoutReclaimed} / ${mem.kswapdReclaimed} / ${mem.directReclaimed} pages`,
    ],
    ["memory stall (PSI some)", fmtNs(mem.stallNs)],
    [
      "LRU active / inactive at the end",
      `${fmtBytes(r.machine.lru.total(true) * 4096)} / ${fmtBytes(r.machine.lru.total(false) * 4096)}`,
    ],
  ];
  const cpu = kdamondCpuProfile(r, d.handle);
  rows.push([
    "kdamond CPU: sampling + actions",
    `${fmtPct(cpu.monitorShare, 3)} + ${fmtPct(cpu.actionShare, 3)} (regions per sample: ${cpu.kdamonds
      .map((k) => k.regionsPerSample.toFixed(0))
      .join(", ")})`,
  ]);
  if (d.tiers) {
    const t = tieringReport(r, d.tiers, d.handle, d.fastNodeFrames);
    rows.push(
      ["fast-tier share of accesses, whole run", fmtPct(t.fastShare, 2)],
      ["fast-tier share, second half (steady)", fmtPct(t.steadyFastShare, 2)],
      ["oracle fast-tier share (true top-K pages)", fmtPct(t.oracleShare, 2)],
      ["gap to the oracle (steady, relative)", fmtPct(t.gapToOracle, 2)],
      [
        "slowdown vs all-fast memory",
        t.slowdownVsAllFast === null ? "not measured" : fmtPct(t.slowdownVsAllFast, 2),
      ],
      ["migration traffic", `${fmtBytes(t.migratedBytes)} (${fmtBytes(t.migratedBytesPerSec)}/s)`],
    );
  } else {
    const c = reclaimReport(r, d.handle);
    rows.push(
      ["resident, time average", fmtBytes(c.residentAvgBytes)],
      [
        "resident without DAMOS, time average",
        c.baselineResidentAvgBytes === null ? "not measured" : fmtBytes(c.baselineResidentAvgBytes),
      ],
      ["memory saved", c.memorySaved === null ? "not measured" : fmtPct(c.memorySaved, 2)],
      ["slowdown vs no DAMON/DAMOS", c.slowdown === null ? "not measured" : fmtPct(c.slowdown, 2)],
      ["major faults (refaults)", String(c.majorFaults)],
      ["monitoring + scheme CPU (kdamond)", fmtPct(c.kdamondCpuShare, 3)],
      ["kswapd CPU", fmtPct(c.kswapdCpuShare, 3)],
    );
  }
  console.log(`\nWhat the schemes achieved${d.preset ? ` (preset ${d.preset})` : ""}:\n`);
  console.log(formatTable(["measure", "value"], rows));
}
