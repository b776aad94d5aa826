/**
 * A/B of the whole simulator (driver + generator + access path + truth) between
 * an older tree and this one, interleaved in one process so host load hits both
 * alike (rates per CPU second of this process), with the TLB model on (the default path) and off. It also checks that
 * both trees produce the same run: accesses, each CPU's clock and TLB counters,
 * and the blind-spot counters must match exactly.
 *
 *   git archive main | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/
 *   npx tsx bench/sim-ab.ts /tmp/old [workload] [profile] [rounds] [time-scale]
 *
 * profile: default (1536 × 12 TLB, no events), guest, server, ... (machine-profile.ts).
 */
import { loadTree, runCase, type Tree } from "./sim-tree.js";

const [oldRoot, workload = "stairs", profile = "default", roundsArg = "3", scaleArg = "0.05"] =
  process.argv.slice(2);
if (!oldRoot) {
  console.error("usage: npx tsx bench/sim-ab.ts OLD-TREE [workload] [profile] [rounds] [time-scale]");
  process.exit(2);
}
const trees: Record<string, Tree> = { old: await loadTree(oldRoot), new: await loadTree(".") };

/** One run: accesses per CPU second and a fingerprint of its results. */
function run(t: Tree, tlb: boolean): { rate: number; fingerprint: string } {
  const r = runCase(t, { workload, profile, timeScale: Number(scaleArg), tlb });
  return { rate: r.accesses / r.cpuSeconds, fingerprint: r.fingerprint };
}

const best: Record<string, number> = {};
const prints: Record<string, string> = {};
let same = true;
for (let r = 0; r < Number(roundsArg); r++) {
  for (const k of ["old", "new"]) {
    for (const tlb of [true, false]) {
      const key = `${k} TLB ${tlb ? "on " : "off"}`;
      const x = run(trees[k], tlb);
      best[key] = Math.max(best[key] ?? 0, x.rate);
      prints[key] ??= x.fingerprint;
      if (prints[key] !== x.fingerprint) same = false;
    }
  }
}
for (const tlb of ["on ", "off"]) {
  if (prints[`old TLB ${tlb}`] !== prints[`new TLB ${tlb}`]) same = false;
}
const M = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;
console.log(`${workload}, ${profile} machine, truth on, best of ${roundsArg} interleaved runs:`);
for (const [k, v] of Object.entries(best)) console.log(`  ${k}  ${M(v)}`);
const ratio = (a: string, b: string): string => (best[a] / best[b]).toFixed(2);
console.log(`  new/old, TLB on: ${ratio("new TLB on ", "old TLB on ")}`);
console.log(
  `  TLB off/on: old ${ratio("old TLB off", "old TLB on ")}, new ${ratio("new TLB off", "new TLB on ")}`,
);
console.log(`  same results (old = new, and every round alike): ${same}`);
if (!same) process.exitCode = 1;
