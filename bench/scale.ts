/**
 * DAMON at terabyte scale (issue 17): host memory and per-sample monitoring cost
 * from a 1 GiB to a 64 TiB mapping, and accuracy of each access source on the same
 * workload shape at 64 GiB, 4 TiB and 64 TiB. Each run is its own child process,
 * so its peak RSS is its own; CPU times are the child's (user + system), not wall
 * time, which on a shared host mostly measures the other processes.
 *
 *   npx tsx bench/scale.ts                  # cost sweep: tiny-hot, 1 GiB … 64 TiB, vaddr
 *   npx tsx bench/scale.ts --table [ops] [--sizes 64GiB,4TiB,64TiB]
 *                                           # accuracy table (docs/scale.md), ops comma-separated
 *   npx tsx bench/scale.ts --windows SCALE OPS SIM_S [THRESHOLD]
 *                                           # one run of tiny-hot scaled in size only (hot set 1/16384
 *                                           # of a 64 GiB × SCALE mapping): the truth per window
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
import { PtscanOps } from "../src/ops/ptscan.js";
import { builtinWorkload, type WorkloadOptions } from "../src/workload/builtins.js";

const GiB = 2 ** 30;
const TiB = 2 ** 40;
const SAMPLE_US = 5000;
/** The machine profile `run` uses by default (src/cli/machine-profile-option.ts). */
const PROFILE = "guest";
/**
 * The accuracy table: the same workload in a mapping of each size, 4 s simulated (the
 * scores skip the first quarter, docs/metrics.md). tiny-hot at size scale 64 (a 256 MiB
 * hot set, 16 GiB cold part) in 64 GiB, 4 TiB and 64 TiB. Not a hot set that grows with
 * the mapping: one thread makes 1.5–5 × 10^5 accesses per 5 ms sampling interval, so a
 * 4 GiB hot set (1/16384 of 64 TiB, a million pages) has each page used in 14–40 % of
 * the intervals: none of it is hot by the 0.5 threshold, and a lower threshold cuts
 * through the middle of its pages' frequencies (docs/scale.md).
 */
const TABLE_SIM_S = 4;
const TABLE_SIZE_SCALE = 64;

interface Cell {
  workload: string;
  opts: WorkloadOptions;
  ops: string;
  memoryBytes: number;
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

const TABLE_SIZES = [
  { label: "64 GiB", bytes: 64 * GiB },
  { label: "4 TiB", bytes: 4 * TiB },
  { label: "64 TiB", bytes: 64 * TiB },
];

function table(opsList: string[], only?: string[]): void {
  const sizes = TABLE_SIZES.filter((x) => only === undefined || only.includes(x.label.replace(" ", "")));
  if (sizes.length === 0) throw new Error(`--sizes: none of ${only?.join(",")} is one of 64GiB, 4TiB, 64TiB`);
  console.log(
    `tiny-hot --scale ${TABLE_SIZE_SCALE} (256 MiB hot set, 16 GiB cold part) in a mapping of each size, machine profile ${PROFILE}, ` +
      `${TABLE_SIM_S} s simulated, seed 1; byte-weighted and active-window scores after the warm-up (docs/metrics.md):`,
  );
  console.log(
    "| mapping | source | precision (bytes) | recall (bytes) | F1 (bytes) | F1, active windows (n) | true hot / WSS est. / true | hot set in by | windows (warm-up) | monitoring CPU | regions | host peak RSS | host CPU s / sim s |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  const warnings: string[] = [];
  for (const sh of sizes) {
    for (const ops of opsList) {
      const r = run({
        workload: "tiny-hot",
        // tiny-hot's sizes (mapping, hot set, cold part) are multiplied by the size scale.
        opts: {
          sizeScale: TABLE_SIZE_SCALE,
          spaceBytes: sh.bytes / TABLE_SIZE_SCALE,
          timeScale: TABLE_SIM_S / 30,
        },
        ops,
        memoryBytes: sh.bytes,
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

/**
 * The proportional shape (hot set 1/16384 of the mapping) window by window: when the hot
 * set is faulted in, how much of it is truly hot at the threshold, and for ptscan what
 * its walk costs apart from its per-region samples.
 */
function windows(sizeScale: number, ops: string, simS: number, hotThreshold: number): void {
  const t0 = process.cpuUsage();
  const r = runExperiment({
    workload: builtinWorkload("tiny-hot", { sizeScale, timeScale: simS / 30 }),
    ops,
    machine: machineOptionsFor(PROFILE, { nodes: [{ sizeBytes: 64 * GiB * sizeScale }] }),
    attrs: { sampleUs: SAMPLE_US },
    baseline: false,
    seed: 1,
    hotThreshold,
  });
  const t = process.cpuUsage(t0);
  console.log(`| window end | true WSS | truly hot (≥ ${hotThreshold}) | estimated hot | both | regions |`);
  console.log("|---|---|---|---|---|---|");
  for (const w of r.windows) {
    const a = w.accuracy;
    console.log(
      `| ${(w.endNs / 1e9).toFixed(1)} s | ${wss(a.trueWssBytes)} | ${wss(a.trueHotBytes)} | ${wss(a.estHotBytes)} | ` +
        `${wss(a.bothHotBytes)} | ${w.nrRegions} |`,
    );
  }
  const s = r.summary;
  const ctxOps = r.ctx.ops;
  const walk = ctxOps instanceof PtscanOps ? ctxOps.walkOf(r.ctx.targets[0])?.stats : undefined;
  console.log(
    `${ops}: precision ${f3(s.precisionBytes)}, recall ${f3(s.recallBytes)}, F1 ${f3(s.f1Bytes)} (bytes, after ` +
      `${s.warmupWindows} warm-up windows); monitoring CPU ${(s.monitorCpuShare * 100).toFixed(3)} %` +
      (walk === undefined
        ? ""
        : ` (walk ${((walk.totalNs / r.durationNs) * 100).toFixed(3)} %: ${walk.totalEntries} entries read, ` +
          `${walk.totalClears} bits cleared, ${walk.passes} passes)`) +
      `; ${r.appNsPerAccess.toFixed(1)} ns per access; host ${((t.user + t.system) / 1e6).toFixed(1)} CPU s, ` +
      `peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  console.log(JSON.stringify(child(JSON.parse(args[1]) as Cell)));
} else if (args[0] === "--windows") {
  windows(Number(args[1]), args[2], Number(args[3]), Number(args[4] ?? 0.5));
} else if (args[0] === "--table") {
  // --table [OPS] [--sizes 64GiB,4TiB,64TiB]: a subset of the rows (to run them in parallel).
  const sz = args.indexOf("--sizes");
  const ops =
    args[1] !== undefined && args[1] !== "--sizes" ? args[1] : "vaddr,paddr,vaddr-fault,hwsample,ptscan";
  table(ops.split(","), sz >= 0 ? args[sz + 1]?.split(",") : undefined);
} else {
  costSweep();
}
