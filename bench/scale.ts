/**
 * DAMON at terabyte scale (issue 17): host memory and per-sample monitoring cost
 * from a 1 GiB to a 64 TiB mapping, and accuracy of each access source on the same
 * workload shape at 64 GiB, 4 TiB and 64 TiB. Each run is its own child process,
 * so its peak RSS is its own; CPU times are the child's (user + system), not wall
 * time, which on a shared host mostly measures the other processes.
 *
 *   npx tsx bench/scale.ts                  # cost sweep: tiny-hot, 1 GiB … 64 TiB, vaddr
 *   npx tsx bench/scale.ts --table [ops]    # accuracy table (docs/scale.md), ops comma-separated
 *
 * Per-sample kdamond cost = simulated monitoring CPU / number of sampling intervals
 * (the simulator's cost model, the same the run's "monitoring CPU" row reports).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { blindSpotWarning } from "../src/cli/machine-profile-option.js";
import { missWarnings } from "../src/cli/run-summary.js";
import { runExperiment } from "../src/eval/experiment.js";
import { machineOptionsFor } from "../src/mm/machine-profile.js";
import { builtinWorkload, type WorkloadOptions } from "../src/workload/builtins.js";

const GiB = 2 ** 30;
const TiB = 2 ** 40;
const SAMPLE_US = 5000;
/** The machine profile `run` uses by default (src/cli/machine-profile-option.ts). */
const PROFILE = "guest";
/**
 * Simulated seconds of the accuracy table: the 64 TiB hot set (a million pages) takes
 * about 1.3 s to be faulted in, and the warm-up the scores skip (docs/metrics.md: 20
 * windows of 100 ms) must cover that.
 */
const TABLE_SIM_S = 8;
/**
 * Hot threshold of the accuracy table. One thread makes about 10^8 accesses per
 * simulated second, so each page of the 4 GiB hot set at 64 TiB is used in about 40 %
 * of the 5 ms sampling intervals: nothing there is hot by the default 0.5, and every
 * source would score "n/a". At 64 GiB and 4 TiB the hot pages are used in every interval
 * and the cold ones in almost none, so 0.2 changes nothing there.
 */
const TABLE_HOT_THRESHOLD = 0.2;

interface Cell {
  workload: string;
  opts: WorkloadOptions;
  ops: string;
  memoryBytes: number;
  /** The table's settings (the cost sweep keeps the defaults). */
  hotThreshold?: number;
}

interface CellResult {
  /** Byte-weighted over the windows after the warm-up (null where the denominator is 0). */
  precisionBytes: number | null;
  recallBytes: number | null;
  f1Bytes: number | null;
  /** Mean F1 over the windows where something is truly or estimated hot (idle windows do not score 1 here). */
  f1Active: number | null;
  activeWindows: number;
  /** Median working set over the windows, estimated (regions with any access) and true. */
  estWssBytes: number;
  trueWssBytes: number;
  monitorCpuShare: number;
  kdamondNsPerSample: number;
  /** Median bytes truly hot per window after the warm-up. */
  trueHotBytes: number;
  /** Windows scored, and how many of them the warm-up skips. */
  windows: number;
  warmupWindows: number;
  /** When the warm-up ends (s): the first scored window starts there. */
  warmupEndS: number;
  /** End of the first window whose true WSS reached 90 % of the steady median (s): the hot set faulted in. */
  faultedInS: number;
  /** The lines `run` would print for this result: miss reason, TLB blind spot. */
  warnings: string[];
  regionsMin: number;
  regionsMax: number;
  maxRssBytes: number;
  cpuS: number;
  simS: number;
}

function child(c: Cell): CellResult {
  const t0 = process.cpuUsage();
  const w = builtinWorkload(c.workload, c.opts);
  const r = runExperiment({
    workload: w,
    ops: c.ops,
    machine: machineOptionsFor(PROFILE, { nodes: [{ sizeBytes: c.memoryBytes }] }),
    attrs: { sampleUs: SAMPLE_US },
    baseline: false,
    seed: 1,
    ...(c.hotThreshold === undefined ? {} : { hotThreshold: c.hotThreshold }),
  });
  const t = process.cpuUsage(t0);
  const s = r.summary;
  const steady = r.windows.slice(s.warmupWindows);
  const wssIn = r.windows.find((x) => x.accuracy.trueWssBytes >= 0.9 * s.trueWssMedianBytes);
  const warnings = missWarnings([r]);
  const blind = blindSpotWarning(r, PROFILE);
  if (blind !== null) warnings.push(blind);
  return {
    precisionBytes: s.precisionBytes,
    recallBytes: s.recallBytes,
    f1Bytes: s.f1Bytes,
    f1Active: s.f1Active,
    activeWindows: s.activeWindows,
    estWssBytes: s.estWssMedianBytes,
    trueWssBytes: s.trueWssMedianBytes,
    monitorCpuShare: s.monitorCpuShare,
    kdamondNsPerSample: s.monitorCpuShare * SAMPLE_US * 1000,
    trueHotBytes: median(steady.map((x) => x.accuracy.trueHotBytes)),
    windows: s.windowsScored,
    warmupWindows: s.warmupWindows,
    warmupEndS: s.warmupWindows > 0 ? r.windows[s.warmupWindows - 1].endNs / 1e9 : 0,
    faultedInS: (wssIn?.endNs ?? r.durationNs) / 1e9,
    warnings,
    regionsMin: s.nrRegionsMin,
    regionsMax: s.nrRegionsMax,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuS: (t.user + t.system) / 1e6,
    simS: r.durationNs / 1e9,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
}

function run(c: Cell): CellResult {
  const p = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", JSON.stringify(c)],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (p.status !== 0) throw new Error(`child failed (${c.ops}, ${JSON.stringify(c.opts)}): ${p.stderr}`);
  return JSON.parse(p.stdout.trim().split("\n").at(-1)!) as CellResult;
}

const fmtSize = (b: number): string => (b >= TiB ? `${b / TiB} TiB` : `${b / GiB} GiB`);
const f3 = (x: number | null): string => (x === null ? "n/a" : x.toFixed(3));
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const wss = (b: number): string =>
  b >= GiB ? `${+(b / GiB).toFixed(1)} GiB` : `${+(b / 2 ** 20).toFixed(1)} MiB`;

function costSweep(): void {
  const sizes = [GiB, 16 * GiB, 256 * GiB, 4 * TiB, 64 * TiB];
  console.log("tiny-hot (4 MiB hot, 256 MiB cold part) in a mapping of each size, vaddr, 1.5 s simulated:");
  console.log("| mapping | host peak RSS | kdamond ns / sample | regions | host CPU s / sim s |");
  console.log("|---|---|---|---|---|");
  const res: CellResult[] = [];
  for (const size of sizes) {
    const r = run({
      workload: "tiny-hot",
      opts: { spaceBytes: size, timeScale: 0.05 },
      ops: "vaddr",
      memoryBytes: Math.max(4 * GiB, size),
    });
    res.push(r);
    console.log(
      `| ${fmtSize(size)} | ${mb(r.maxRssBytes)} | ${r.kdamondNsPerSample.toFixed(0)} | ` +
        `${r.regionsMin}..${r.regionsMax} | ${(r.cpuS / r.simS).toFixed(1)} |`,
    );
  }
  const ratio = res.at(-1)!.kdamondNsPerSample / res[0].kdamondNsPerSample;
  console.log(`per-sample kdamond cost, 64 TiB / 1 GiB: ${ratio.toFixed(2)} (goal 0.5-2)`);
}

function table(opsList: string[]): void {
  // The same shape at each size: tiny-hot scaled in size only (hot set 1/16384 of the mapping).
  const shapes = [
    { label: "64 GiB", sizeScale: 1 },
    { label: "4 TiB", sizeScale: 64 },
    { label: "64 TiB", sizeScale: 1024 },
  ];
  console.log(
    `tiny-hot scaled in size (hot set 1/16384 of the mapping), machine profile ${PROFILE}, ${TABLE_SIM_S} s simulated, ` +
      `seed 1, hot threshold ${TABLE_HOT_THRESHOLD}; byte-weighted and active-window scores after the warm-up (docs/metrics.md):`,
  );
  console.log(
    "| mapping | source | precision (bytes) | recall (bytes) | F1 (bytes) | F1, active windows (n) | true hot / WSS est. / true | hot set in by | windows (warm-up) | monitoring CPU | regions | host peak RSS | host CPU s / sim s |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  const warnings: string[] = [];
  for (const sh of shapes) {
    for (const ops of opsList) {
      const r = run({
        workload: "tiny-hot",
        opts: { sizeScale: sh.sizeScale, timeScale: TABLE_SIM_S / 30 },
        ops,
        memoryBytes: 64 * GiB * sh.sizeScale,
        hotThreshold: TABLE_HOT_THRESHOLD,
      });
      // A warm-up shorter than the fault-in would score the ramp: say so rather than hide it.
      const ramp = r.faultedInS > r.warmupEndS ? " (after the warm-up!)" : "";
      console.log(
        `| ${sh.label} | ${ops} | ${f3(r.precisionBytes)} | ${f3(r.recallBytes)} | ${f3(r.f1Bytes)} | ` +
          `${f3(r.f1Active)} (${r.activeWindows}) | ${wss(r.trueHotBytes)} / ${wss(r.estWssBytes)} / ${wss(r.trueWssBytes)} | ` +
          `${r.faultedInS.toFixed(1)} s${ramp} | ${r.windows} (${r.warmupWindows}) | ` +
          `${(r.monitorCpuShare * 100).toFixed(3)} % | ${r.regionsMin}..${r.regionsMax} | ${mb(r.maxRssBytes)} | ` +
          `${(r.cpuS / r.simS).toFixed(1)} |`,
      );
      for (const w of r.warnings) warnings.push(`${sh.label}: ${w}`);
    }
  }
  console.log("\nWhat `run` prints for these runs:");
  for (const w of warnings) console.log(w);
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  console.log(JSON.stringify(child(JSON.parse(args[1]) as Cell)));
} else if (args[0] === "--table") {
  table((args[1] ?? "vaddr,paddr,vaddr-fault,hwsample,ptscan").split(","));
} else {
  costSweep();
}
