/**
 * One call that wires a simulated run: a machine with enough CPUs for the
 * workload, the workload's process and threads, the ground-truth recorder
 * (fed by the access path and told about phase changes) and the driver with
 * the recorder registered as its first agent. Callers add their own agents
 * (the kdamond) and call `sim.run()`.
 */
import { DEFAULT_SEED } from "../util/rng.js";
import { Machine, type MachineOptions } from "../mm/machine.js";
import { Simulation } from "../mm/driver.js";
import { GroundTruth, type GroundTruthOptions } from "../truth/ground-truth.js";
import { instantiateWorkload, type WorkloadInstance } from "./instantiate.js";
import type { WorkloadSpec } from "./spec.js";

export interface SetupOptions {
  /** Machine options; `cpus` defaults to max(4, CPUs the workload's threads need). */
  machine?: MachineOptions;
  /** Workload seed (default 1). */
  seed?: number;
  /** Ground-truth intervals and options, or null for no truth (default: 5 ms / 100 ms). */
  truth?: GroundTruthOptions | null;
  /** Driver quantum (default 10 µs). */
  quantumNs?: number;
}

export interface SimSetup {
  machine: Machine;
  sim: Simulation;
  truth: GroundTruth | null;
  workload: WorkloadInstance;
}

export function setupSimulation(spec: WorkloadSpec, opts: SetupOptions = {}): SimSetup {
  const needCpus = spec.custom ? spec.custom.cpus : Math.max(...spec.threads.map((t) => t.cpu)) + 1;
  const mo: MachineOptions = { ...opts.machine };
  if (spec.custom?.costs) mo.costs = { ...spec.custom.costs, ...mo.costs };
  if (mo.cpus === undefined) mo.cpus = Math.max(4, needCpus);
  const machine = new Machine(mo);
  const truthOpts = opts.truth === undefined ? { sampleNs: 5e6, aggrNs: 100e6 } : opts.truth;
  const truth = truthOpts === null ? null : new GroundTruth(truthOpts);
  if (truth) machine.attachTruth(truth);
  const workload = instantiateWorkload(machine, spec, {
    seed: opts.seed ?? DEFAULT_SEED,
    onPhase: truth ? (e) => truth.markPhase(e) : undefined,
  });
  const sim = new Simulation(machine, { quantumNs: opts.quantumNs });
  if (truth) sim.addAgent(truth, "truth");
  return { machine, sim, truth, workload };
}
