/**
 * Trace replay speed on the fixture traces: accesses/s through the simulated
 * memory system (no monitoring, no truth), against the same run's two
 * baselines: decoding the trace alone (TraceReader), and the memory system
 * running a built-in synthetic workload of the same access count.
 *
 *   npx tsx bench/replay.ts [--runs N]
 */
import { join } from "node:path";
import { setupSimulation } from "../src/workload/setup.js";
import { replayWorkload } from "../src/workload/trace-replay.js";
import { TraceReader } from "../src/workload/trace/reader.js";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";
import { builtinWorkload } from "../src/workload/builtins.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const fixtures = join(projectRoot(), "test", "fixtures", "traces");

function best(f: () => number): { ms: number; n: number } {
  let ms = Infinity;
  let n = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    n = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, n };
}

const rate = (n: number, ms: number): string => `${((n / ms) * 1e-3).toFixed(2)} M/s`;

console.log(`best of ${RUNS} runs`);
console.log(
  "trace               accesses  decode only   replay (scan+sim)  sim of stairs, same count  replay/decode  replay/stairs",
);
for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
  const path = join(fixtures, `${name}.dtrace`);
  const decode = best(() => {
    const r = TraceReader.open(path);
    let n = 0;
    for (const it of r) if (it.kind === "accesses") n += it.count;
    r.close();
    return n;
  });
  const replay = best(() => {
    const s = setupSimulation(replayWorkload(path), { truth: null });
    s.sim.run();
    return s.machine.totalAccesses();
  });
  // The simulator on a synthetic workload, stopped after the same number of accesses.
  const synth = best(() => {
    const s = setupSimulation(builtinWorkload("stairs", { scale: 0.05 }), { truth: null });
    let done = 0;
    for (let t = 1e6; done < replay.n; t += 1e6) {
      if (s.sim.run({ untilNs: t }).reason === "threads-finished") break;
      done = s.machine.totalAccesses();
    }
    return s.machine.totalAccesses();
  });
  console.log(
    `${name.padEnd(18)} ${String(replay.n).padStart(9)}  ${rate(decode.n, decode.ms).padStart(11)}  ${rate(replay.n, replay.ms).padStart(17)}  ${rate(synth.n, synth.ms).padStart(25)}  ${(replay.n / replay.ms / (decode.n / decode.ms)).toFixed(3).padStart(13)}  ${(replay.n / replay.ms / (synth.n / synth.ms)).toFixed(3).padStart(13)}`,
  );
}
