/**
 * Loads the simulator of a source tree (this one or an older checkout) and runs one
 * whole simulation with it: driver, generator, access path and truth. Shared by the
 * A/B benches (bench/sim-ab.ts for CPU time, bench/sim-ir.ts for instruction counts).
 */
import { resolve } from "node:path";

export interface Tree {
  Machine: typeof import("../src/mm/machine.js").Machine;
  Simulation: typeof import("../src/mm/driver.js").Simulation;
  GroundTruth: typeof import("../src/truth/ground-truth.js").GroundTruth;
  builtinWorkload: typeof import("../src/workload/builtins.js").builtinWorkload;
  instantiateWorkload: typeof import("../src/workload/instantiate.js").instantiateWorkload;
  machineOptionsFor: typeof import("../src/mm/machine-profile.js").machineOptionsFor;
}
type ProfileName = import("../src/mm/machine-profile.js").MachineProfileName;

export async function loadTree(root: string): Promise<Tree> {
  const src = resolve(root, "src");
  const mm = (await import(`${src}/mm/index.js`)) as Tree;
  const truth = (await import(`${src}/truth/index.js`)) as Tree;
  const wl = (await import(`${src}/workload/index.js`)) as Tree;
  const prof = (await import(`${src}/mm/machine-profile.js`)) as Tree;
  return {
    Machine: mm.Machine,
    Simulation: mm.Simulation,
    GroundTruth: truth.GroundTruth,
    builtinWorkload: wl.builtinWorkload,
    instantiateWorkload: wl.instantiateWorkload,
    machineOptionsFor: prof.machineOptionsFor,
  };
}

export interface SimCase {
  workload: string;
  /** default (1536 × 12 TLB, no events), guest, server, ... (machine-profile.ts). */
  profile: string;
  timeScale: number;
  tlb: boolean;
}

/**
 * One run, seed 1, truth on: accesses, CPU seconds of the run (not wall time: on a
 * shared host the wall clock mostly measures the others), and a fingerprint of its
 * results (accesses, each CPU's clock and TLB counters, the blind-spot counters).
 */
export function runCase(t: Tree, c: SimCase): { accesses: number; cpuSeconds: number; fingerprint: string } {
  const opts = !c.tlb
    ? { tlb: false as const }
    : c.profile === "default"
      ? {}
      : t.machineOptionsFor(c.profile as ProfileName);
  const m = new t.Machine(opts);
  const gt = new t.GroundTruth({ sampleNs: 5e6, aggrNs: 100e6 });
  m.attachTruth(gt);
  t.instantiateWorkload(m, t.builtinWorkload(c.workload, { timeScale: c.timeScale }), { seed: 1 });
  const sim = new t.Simulation(m);
  sim.addAgent(gt);
  const c0 = process.cpuUsage();
  sim.run();
  const u = process.cpuUsage(c0);
  const fingerprint = JSON.stringify([
    m.totalAccesses(),
    m.cpus.map((cpu) => [cpu.timeNs, cpu.tlb?.hits, cpu.tlb?.misses]),
    m.hiddenPageSamples,
    m.seenPageSamples,
  ]);
  return { accesses: m.totalAccesses(), cpuSeconds: (u.user + u.system) / 1e6, fingerprint };
}
