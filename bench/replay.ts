/**
 * Trace replay speed on the fixture traces: accesses per CPU second through the
 * simulated memory system (no monitoring, no truth; the scan and setup included),
 * with the TLB model on (the default machine) and off, against the same run's
 * baselines: decoding the trace alone (TraceReader), and the memory system running
 * a built-in synthetic workload of the same access count. "outside exec" is the
 * share of a replay's CPU spent outside Machine.exec (the access path): scan,
 * decode, the threads' streams, the driver. It comes from a separate run that
 * times every exec call; the timing calls' own cost (measured here) is taken out.
 * "scan" is the CPU time of the scan before the replay (replayWorkload), best of
 * the runs: from the trace's access index when it has one (docs/replay.md).
 * All of those decode on the main thread (decodeAhead: false).
 *
 * "ahead" is the replay with the TLB on and its chunks decoded ahead on a worker
 * thread (the default on a machine with a core to spare; workers warmed first), in
 * accesses per wall-clock second against the same replay decoding on the main
 * thread ("alone", wall-clock too), and its accesses per CPU second of the whole
 * process (the worker's CPU included).
 *
 *   npx tsx bench/replay.ts [--runs N]
 */
import { join } from "node:path";
import { usableCpus } from "../src/util/usable-cpus.js";
import { setupSimulation, type SimSetup } from "../src/workload/setup.js";
import { replayWorkload } from "../src/workload/trace-replay.js";
import { TraceReader } from "../src/workload/trace/reader.js";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";
import { builtinWorkload } from "../src/workload/builtins.js";
import { warmDecodeAhead } from "../src/workload/replay/decode-ahead.js";
import { cpuS, wallS } from "./cpu-rate.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const fixtures = join(projectRoot(), "test", "fixtures", "traces");

/** Best (highest) rate of RUNS runs by `clock`; `f` returns how many accesses it ran. */
function best(f: () => number, clock = cpuS): { rate: number; n: number } {
  let rate = 0;
  let n = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = clock();
    n = f();
    rate = Math.max(rate, n / (clock() - t0));
  }
  return { rate, n };
}

/** CPU seconds of one process.cpuUsage() call. */
const CPU_USAGE_COST = ((): number => {
  const t0 = cpuS();
  for (let i = 0; i < 100_000; i++) cpuS();
  return (cpuS() - t0) / 100_001;
})();

/** Lowest CPU seconds of the scan (replayWorkload) over the replays so far, per trace. */
const scanS = new Map<string, number>();

function replay(
  path: string,
  tlb: boolean,
  timeExec = false,
  decodeAhead = false,
): { n: number; outside: number } {
  const t0 = cpuS();
  const spec = replayWorkload(path, { decodeAhead });
  scanS.set(path, Math.min(scanS.get(path) ?? Infinity, cpuS() - t0));
  const s: SimSetup = setupSimulation(spec, {
    truth: null,
    machine: tlb ? {} : { tlb: false },
  });
  let inExec = 0;
  let calls = 0;
  if (timeExec) {
    const m = s.machine;
    const exec = m.exec.bind(m);
    m.exec = (th, a, w, i, n, limitNs) => {
      const e0 = cpuS();
      const k = exec(th, a, w, i, n, limitNs);
      inExec += cpuS() - e0;
      calls++;
      return k;
    };
  }
  s.sim.run();
  // About one timing call's cost falls inside each measured exec, one outside.
  const total = cpuS() - t0 - 2 * calls * CPU_USAGE_COST;
  return { n: s.machine.totalAccesses(), outside: 1 - (inExec - calls * CPU_USAGE_COST) / total };
}

/** Lowest share outside exec of RUNS instrumented runs. */
function outsideShare(path: string, tlb: boolean): number {
  let share = 1;
  for (let i = 0; i < RUNS; i++) share = Math.min(share, replay(path, tlb, true).outside);
  return share;
}

const M = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;
const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;

console.log(
  `bench/replay: best of ${RUNS} runs, accesses per CPU second (process.cpuUsage ${(CPU_USAGE_COST * 1e9).toFixed(0)} ns per call)`,
);
const workers = await warmDecodeAhead();
console.log(
  "trace           accesses   decode      scan   replay TLB on (outside exec)  replay TLB off (outside exec)  stairs, same count  on/stairs",
);
const aheadRows: string[] = [];
for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
  const path = join(fixtures, `${name}.dtrace`);
  const decode = best(() => {
    const r = TraceReader.open(path);
    let n = 0;
    for (const it of r) if (it.kind === "accesses") n += it.count;
    r.close();
    return n;
  });
  const on = best(() => replay(path, true).n);
  const off = best(() => replay(path, false).n);
  // A warm-up run first: the worker's code is compiled on its own thread.
  replay(path, true, false, true);
  const alone = best(() => replay(path, true).n, wallS);
  const aheadWall = best(() => replay(path, true, false, true).n, wallS);
  const aheadCpu = best(() => replay(path, true, false, true).n);
  aheadRows.push(
    `${name.padEnd(14)} ${M(alone.rate).padStart(12)}  ${M(aheadWall.rate).padStart(12)}  ${(aheadWall.rate / alone.rate).toFixed(2).padStart(5)}  ${M(aheadCpu.rate).padStart(16)}`,
  );
  const onOut = outsideShare(path, true);
  const offOut = outsideShare(path, false);
  // The simulator on a synthetic workload, stopped after the same number of accesses.
  const synth = best(() => {
    const s = setupSimulation(builtinWorkload("stairs", { scale: 0.05 }), { truth: null });
    let done = 0;
    for (let t = 1e6; done < on.n; t += 1e6) {
      if (s.sim.run({ untilNs: t }).reason === "threads-finished") break;
      done = s.machine.totalAccesses();
    }
    return s.machine.totalAccesses();
  });
  console.log(
    `${name.padEnd(14)} ${String(on.n).padStart(9)}  ${M(decode.rate).padStart(9)}  ${`${((scanS.get(path) ?? 0) * 1e3).toFixed(1)} ms`.padStart(8)}  ${`${M(on.rate)} (${pct(onOut)})`.padStart(28)}  ${`${M(off.rate)} (${pct(offOut)})`.padStart(29)}  ${M(synth.rate).padStart(18)}  ${(on.rate / synth.rate).toFixed(2).padStart(9)}`,
  );
}
console.log(
  `\nreplay TLB on, chunks decoded ahead on a worker thread (${workers} worker(s) started; ${usableCpus()} usable CPUs):`,
);
console.log("trace          alone, wall   ahead, wall  ratio  ahead, CPU rate");
for (const row of aheadRows) console.log(row);
