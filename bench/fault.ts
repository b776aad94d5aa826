/**
 * Fault sampling against the Accessed-bit path, measured in the same run:
 *  1. simulated accesses per second of a whole monitored run (workload + kdamond
 *     + truth) with `vaddr` (Accessed bits) and with `vaddr-fault` (hinting
 *     faults), and with NUMA balancing arming too;
 *  2. the host time of one hinting fault through the framework's dispatch (arm
 *     every page, then touch each once: every access faults to a trivial
 *     owner), next to a plain access and to one Accessed-bit check (mkold +
 *     young) of the vaddr ops.
 *
 *   npx tsx bench/fault.ts [time-scale]
 */
import { runExperiment } from "../src/eval/experiment.js";
import type { ExperimentOptions } from "../src/eval/experiment.js";
import { Machine } from "../src/mm/index.js";
import { HintingFramework } from "../src/mm/hinting/index.js";
import type { HintingMode } from "../src/mm/hinting/index.js";
import { PAGE_SIZE } from "../src/mm/vma.js";
import { builtinWorkload } from "../src/workload/index.js";

const TIME_SCALE = Number(process.argv[2] ?? 0.2);
const ROUNDS = 3;
const MiB = 2 ** 20;

// ------------------------------------------------------------ 1. whole runs

function runRate(o: Partial<ExperimentOptions> & { ops: string }): { rate: number; faultsPerSec: number } {
  const workload = builtinWorkload("stairs", { timeScale: TIME_SCALE });
  let best = 0;
  let faults = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const res = runExperiment({
      workload,
      baseline: false,
      machine: { nodes: [{ sizeBytes: 512 * MiB }, { sizeBytes: 512 * MiB }] },
      ...o,
    });
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, res.machine.totalAccesses() / s);
    faults = res.summary.faultsPerSec;
  }
  return { rate: best, faultsPerSec: faults };
}

const runs = {
  "vaddr (Accessed bits)": runRate({ ops: "vaddr" }),
  "vaddr-fault": runRate({ ops: "vaddr-fault" }),
  "vaddr-fault + NUMA balancing": runRate({ ops: "vaddr-fault", numaBalancing: {} }),
};
const base = runs["vaddr (Accessed bits)"].rate;
console.log(
  `stairs at time scale ${TIME_SCALE}, 2 nodes, best of ${ROUNDS}: simulated accesses per host second`,
);
for (const [k, v] of Object.entries(runs)) {
  console.log(
    `  ${k.padEnd(30)} ${(v.rate / 1e6).toFixed(1).padStart(7)} M/s  ×${(v.rate / base).toFixed(2)}` +
      `   (${v.faultsPerSec.toFixed(0)} simulated hinting faults/s)`,
  );
}

// ------------------------------------------------------ 2. per-fault dispatch

const PAGES = 1 << 16;
const idle = { fill: () => 0, finished: true, resumeNs: 0 };

/** Host ns per page of: a plain access pass, an armed (faulting) pass, and an Accessed-bit check. */
function perPage(mode: HintingMode): { access: number; fault: number; check: number } {
  const m = new Machine({ cpus: 1, tlb: false });
  const as = m.createProcess("bench");
  const start = as.mmap(PAGES * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  const addrs = new Float64Array(PAGES);
  const writes = new Uint8Array(PAGES);
  for (let i = 0; i < PAGES; i++) addrs[i] = start + i * PAGE_SIZE;
  m.exec(th, addrs, writes, 0, PAGES); // first touch
  const fw = new HintingFramework(m, { mode });
  let got = 0;
  const h = fw.register({ name: "damon", onFault: () => (got++, 0) });
  let access = Infinity;
  let fault = Infinity;
  let check = Infinity;
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    m.exec(th, addrs, writes, 0, PAGES);
    access = Math.min(access, ((performance.now() - t0) * 1e6) / PAGES);
    fw.armRange(h, as.pid, start, start + PAGES * PAGE_SIZE, m.kdamondCost);
    t0 = performance.now();
    m.exec(th, addrs, writes, 0, PAGES);
    fault = Math.min(fault, ((performance.now() - t0) * 1e6) / PAGES);
    t0 = performance.now();
    for (let i = 0; i < PAGES; i++) {
      m.mkoldVaddr(as.pid, addrs[i]);
      m.youngVaddr(as.pid, addrs[i]);
    }
    check = Math.min(check, ((performance.now() - t0) * 1e6) / PAGES);
  }
  if (got !== 5 * PAGES) throw new Error(`expected ${5 * PAGES} faults, got ${got}`);
  return { access, fault, check };
}

console.log(`\nhost ns per page over ${PAGES} pages (best of 5):`);
for (const mode of ["generic", "piggyback"] as const) {
  const p = perPage(mode);
  const dispatch = p.fault - p.access;
  console.log(
    `  ${mode.padEnd(9)} plain access ${p.access.toFixed(1)} ns, faulting access ${p.fault.toFixed(1)} ns ` +
      `(dispatch ${dispatch.toFixed(1)} ns = ×${(p.fault / p.access).toFixed(1)} an access), ` +
      `Accessed-bit check ${p.check.toFixed(1)} ns (fault/check ×${(p.fault / p.check).toFixed(2)})`,
  );
}
