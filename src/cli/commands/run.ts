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
import { renderRunHeatmap } from "../run-heatmap.js";

export interface RunOptionValues extends MonitorOptionValues {
  ops: string;
  duration?: string;
  seed: string;
  scale: string;
  threads?: string;
  tlb: string;
  memory: string;
  hotThreshold: string;
  baseline: boolean;
  json?: boolean;
  progress?: boolean;
  heatmap: boolean;
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
    .option("--threads <n>", "threads of the multi-threaded workloads")
    .option("--tlb <on|off>", "model per-CPU TLBs (the Accessed bit is set only on TLB fills)", "on")
    .option("--memory <size>", "simulated memory (one NUMA node)", "4GiB")
    .option("--hot-threshold <f>", "access frequency (0..1] at which a page counts as hot", "0.5")
    .option("--no-baseline", "skip the unmonitored run that measures the slowdown")
    .option("--loop <n>", "trace:FILE workloads: replay the trace this many times", "1")
    .option("--ns-per-insn <f>", "trace:FILE workloads: simulated ns per traced instruction", "0.5")
    .option("--json", "print the results as JSON (schema: docs/json-output.md)")
    .option("--progress", "show progress even when stderr is not a terminal");
}

export function workloadFromOptions(name: string, o: RunOptionValues): WorkloadSpec {
  return resolveWorkload(name, {
    scale: positiveNumberOption(o.scale, "--scale", 1000),
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
  return opsList.map((ops) => {
    const progress = new RunProgress(`${workload.name} / ${ops}`, o.progress);
    try {
      return runExperiment({
        workload,
        ops,
        attrs,
        durationNs,
        seed,
        hotThreshold,
        baseline: o.baseline,
        machine: { tlb: tlb ? undefined : false, nodes: [{ sizeBytes: memory }] },
        onProgress: Number.isFinite(durationNs) ? (now, end) => progress.update(now, end) : undefined,
      });
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
    row("monitoring CPU (share of one CPU)", (r) => fmtPct(r.summary.monitorCpuShare, 3)),
    row("app slowdown vs unmonitored", (r) =>
      r.summary.appSlowdown === null ? "not measured" : fmtPct(r.summary.appSlowdown, 3),
    ),
  ];
}

export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .alias("record")
    .argument("<workload>", "a built-in workload name, a masim config file or trace:FILE")
    .description("simulate a workload with DAMON watching it; show the heatmap, accuracy and overhead")
    .option("--ops <list>", "operation set(s), comma-separated: vaddr, paddr, ...", "vaddr")
    .option("--no-heatmap", "do not print the heatmap");
  addSimulationOptions(cmd).addHelpText("after", workloadHelp());
  cmd.action((workloadName: string, o: RunOptionValues) => {
    const results = runAll(workloadName, o, parseOpsList(o.ops));
    if (o.json) {
      process.stdout.write(`${JSON.stringify(runJson(results), null, 2)}\n`);
      return;
    }
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
  });
}
