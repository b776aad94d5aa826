/**
 * A/B of trace replay between an older tree and this one, interleaved in one process
 * so host load hits both alike: accesses per CPU second of this process (scan, setup,
 * decode and the access path; no monitoring, no truth), TLB on, on the four fixture
 * traces. It also checks that both trees run the same replay: accesses, each CPU's
 * clock and TLB counters must match exactly.
 *
 *   git archive main | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/
 *   npx tsx bench/replay-ab.ts /tmp/old [rounds]
 */
import { join, resolve } from "node:path";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";

interface ReplayTree {
  setupSimulation: typeof import("../src/workload/setup.js").setupSimulation;
  replayWorkload: typeof import("../src/workload/trace-replay.js").replayWorkload;
}

const [oldRoot, roundsArg = "3"] = process.argv.slice(2);
if (!oldRoot) {
  console.error("usage: npx tsx bench/replay-ab.ts OLD-TREE [rounds]");
  process.exit(2);
}

async function loadTree(root: string): Promise<ReplayTree> {
  const src = resolve(root, "src");
  const setup = (await import(`${src}/workload/setup.js`)) as ReplayTree;
  const replay = (await import(`${src}/workload/trace-replay.js`)) as ReplayTree;
  return { setupSimulation: setup.setupSimulation, replayWorkload: replay.replayWorkload };
}

const trees: Record<string, ReplayTree> = { old: await loadTree(oldRoot), new: await loadTree(".") };
const fixtures = join(projectRoot(), "test", "fixtures", "traces");

function run(t: ReplayTree, path: string): { rate: number; fingerprint: string } {
  const c0 = process.cpuUsage();
  const s = t.setupSimulation(t.replayWorkload(path), { truth: null, machine: {} });
  s.sim.run();
  const u = process.cpuUsage(c0);
  const m = s.machine;
  const fingerprint = JSON.stringify([
    m.totalAccesses(),
    m.cpus.map((cpu) => [cpu.timeNs, cpu.tlb?.hits, cpu.tlb?.misses]),
  ]);
  return { rate: m.totalAccesses() / ((u.user + u.system) / 1e6), fingerprint };
}

const M = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;
let same = true;
console.log(`replay, default machine, best of ${roundsArg} interleaved runs (accesses per CPU second):`);
for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
  const path = join(fixtures, `${name}.dtrace`);
  const best: Record<string, number> = {};
  const prints = new Set<string>();
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const k of ["old", "new"]) {
      const x = run(trees[k], path);
      best[k] = Math.max(best[k] ?? 0, x.rate);
      prints.add(x.fingerprint);
    }
  }
  if (prints.size !== 1) same = false;
  console.log(
    `  ${name.padEnd(12)} old ${M(best.old).padStart(10)}  new ${M(best.new).padStart(10)}  new/old ${(best.new / best.old).toFixed(2)}  same: ${prints.size === 1}`,
  );
}
console.log(`  same results (old = new, and every round alike): ${same}`);
if (!same) process.exitCode = 1;
