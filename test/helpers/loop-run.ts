/**
 * One simulated run of a built-in workload with the truth attached, and a
 * fingerprint of everything the access path decides: accesses, each CPU's clock
 * and TLB counts, the blind-spot counters and every truth window. Two runs that
 * must be the same (the JavaScript and WebAssembly loops, a compiled copy or not)
 * are compared by their fingerprints (test/mm/cpu-loops.test.ts, wasm-loop.test.ts).
 */
import { createHash } from "node:crypto";
import { Machine, Simulation, type MachineOptions } from "../../src/mm/index.js";
import { GroundTruth } from "../../src/truth/index.js";
import { builtinWorkload, instantiateWorkload, type WorkloadSpec } from "../../src/workload/index.js";

export function fingerprintRun(o: {
  /** A built-in workload's name (at `timeScale`), or a spec (a trace replay). */
  workload: string | WorkloadSpec;
  machine: MachineOptions;
  seed: number;
  logSamples?: boolean;
  timeScale?: number;
  /** The truth's sampling interval and window (default 5 ms, 50 ms). */
  truthNs?: [number, number];
}): { print: string; machine: Machine } {
  const m = new Machine(o.machine);
  const [sampleNs, aggrNs] = o.truthNs ?? [5e6, 50e6];
  const gt = new GroundTruth({ sampleNs, aggrNs, logSamples: o.logSamples ?? false });
  const h = createHash("sha256");
  gt.onWindow = (w) => {
    h.update(JSON.stringify([w.index, w.n, w.samples, w.wssBytes, w.totalAccesses]));
    h.update(w.vaddr.subarray(0, w.n));
    h.update(w.positive.subarray(0, w.n));
    h.update(w.accesses.subarray(0, w.n));
    if (w.sampleLog !== null) h.update(JSON.stringify(w.sampleLog));
  };
  m.attachTruth(gt);
  const spec =
    typeof o.workload === "string"
      ? builtinWorkload(o.workload, { timeScale: o.timeScale ?? 0.005 })
      : o.workload;
  instantiateWorkload(m, spec, { seed: o.seed });
  const sim = new Simulation(m);
  sim.addAgent(gt);
  sim.run();
  const print = JSON.stringify([
    m.totalAccesses(),
    m.cpus.map((cpu) => [cpu.timeNs, cpu.tlb?.hits, cpu.tlb?.misses]),
    m.hiddenPageSamples,
    m.seenPageSamples,
    h.digest("hex"),
  ]);
  return { print, machine: m };
}
