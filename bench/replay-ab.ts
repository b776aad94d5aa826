/**
 * A/B of trace replay between an older tree and this one: accesses per CPU second
 * (scan, setup, decode and the access path; no monitoring, no truth), TLB on, on the
 * four fixture traces. Each measurement is a fresh process (the trees' garbage and
 * compiled code do not meet) running the replay `--runs` times, best run; old and new
 * alternate, the order flipped each round, so host load hits both alike. It also
 * checks that both trees run the same replays: accesses, each CPU's clock and TLB
 * counters must match exactly.
 *
 *   git archive main | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/
 *   npx tsx bench/replay-ab.ts /tmp/old [rounds] [--runs N]
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";

interface ReplayTree {
  setupSimulation: typeof import("../src/workload/setup.js").setupSimulation;
  replayWorkload: typeof import("../src/workload/trace-replay.js").replayWorkload;
}

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === "--child") {
  // One tree, one trace: the best of `runs` replays, and what they ran.
  const [, root, path, runs] = args;
  const src = resolve(root, "src");
  const t: ReplayTree = {
    setupSimulation: ((await import(`${src}/workload/setup.js`)) as ReplayTree).setupSimulation,
    replayWorkload: ((await import(`${src}/workload/trace-replay.js`)) as ReplayTree).replayWorkload,
  };
  let rate = 0;
  const prints = new Set<string>();
  for (let r = 0; r < Number(runs); r++) {
    const c0 = process.cpuUsage();
    const s = t.setupSimulation(t.replayWorkload(path), { truth: null, machine: {} });
    s.sim.run();
    const u = process.cpuUsage(c0);
    const m = s.machine;
    rate = Math.max(rate, m.totalAccesses() / ((u.user + u.system) / 1e6));
    prints.add(
      JSON.stringify([m.totalAccesses(), m.cpus.map((cpu) => [cpu.timeNs, cpu.tlb?.hits, cpu.tlb?.misses])]),
    );
  }
  console.log(JSON.stringify({ rate, prints: [...prints] }));
  process.exit(0);
}

const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const positional = args.filter((_, i) => i !== runsAt && i !== runsAt + 1);
const [oldRoot, roundsArg = "3"] = positional;
if (!oldRoot) {
  console.error("usage: npx tsx bench/replay-ab.ts OLD-TREE [rounds] [--runs N]");
  process.exit(2);
}
const roots: Record<string, string> = { old: resolve(oldRoot), new: resolve(".") };
const fixtures = join(projectRoot(), "test", "fixtures", "traces");

function child(root: string, path: string): { rate: number; prints: string[] } {
  const r = spawnSync(process.execPath, ["--import", "tsx", self, "--child", root, path, String(RUNS)], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { rate: number; prints: string[] };
}

const M = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;
let same = true;
console.log(
  `replay, default machine, best of ${roundsArg} rounds × ${RUNS} runs per process, old and new alternating (accesses per CPU second):`,
);
for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
  const path = join(fixtures, `${name}.dtrace`);
  const best: Record<string, number> = { old: 0, new: 0 };
  const prints = new Set<string>();
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const k of r % 2 === 0 ? ["old", "new"] : ["new", "old"]) {
      const x = child(roots[k], path);
      best[k] = Math.max(best[k], x.rate);
      for (const p of x.prints) prints.add(p);
    }
  }
  if (prints.size !== 1) same = false;
  console.log(
    `  ${name.padEnd(12)} old ${M(best.old).padStart(10)}  new ${M(best.new).padStart(10)}  new/old ${(best.new / best.old).toFixed(2)}  same: ${prints.size === 1}`,
  );
}
console.log(`  same results (old = new, and every run alike): ${same}`);
if (!same) process.exitCode = 1;
