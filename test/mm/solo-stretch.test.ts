/**
 * A thread running alone in the machine runs to the next event in one stretch
 * instead of quantum by quantum (driver.ts, SimulationOptions.soloStretch): the
 * same run either way, monitored by each kind of access source, with NUMA
 * balancing, TLB events and a trace replay; fewer calls into the access path.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { resultData, runExperiment, type ExperimentOptions } from "../../src/eval/experiment.js";
import { machineOptionsFor } from "../../src/mm/machine-profile.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import { replayWorkload } from "../../src/workload/trace-replay.js";
import { projectRoot } from "../../src/workload/trace/valgrind-tool.js";

/** The run as plain data, and how many times the driver called into the access path. */
function run(o: ExperimentOptions, solo: boolean): { data: string; execCalls: number } {
  let execCalls = 0;
  const r = runExperiment({
    ...o,
    baseline: false,
    onSetup: (m, _ctx, sim) => {
      sim.soloStretch = solo;
      const exec = m.exec.bind(m);
      m.exec = (th, a, w, i, n, limitNs) => {
        execCalls++;
        return exec(th, a, w, i, n, limitNs);
      };
    },
  });
  return { data: JSON.stringify(resultData(r)), execCalls };
}

const stairs = builtinWorkload("stairs", { timeScale: 0.02 });
const cases: [string, ExperimentOptions][] = [
  ["stairs, vaddr", { workload: stairs, ops: "vaddr" }],
  [
    "stairs, paddr, guest machine (TLB flushed by ticks)",
    { workload: stairs, ops: "paddr", machine: machineOptionsFor("guest") },
  ],
  ["stairs, vaddr-fault with NUMA balancing", { workload: stairs, ops: "vaddr-fault", numaBalancing: {} }],
  [
    "zipf-kv, hwsample",
    { workload: builtinWorkload("zipf-kv", { timeScale: 0.02 }), ops: "hwsample", hwsamplePeriod: 2000 },
  ],
  [
    "sort.dtrace replayed, vaddr",
    {
      workload: replayWorkload(join(projectRoot(), "test", "fixtures", "traces", "sort.dtrace")),
      ops: "vaddr",
    },
  ],
];

for (const [name, o] of cases) {
  void test(`a lone thread's stretches give the same run as quanta: ${name}`, () => {
    const quanta = run(o, false);
    const solo = run(o, true);
    assert.equal(solo.data, quanta.data);
    // A replay's batches are short (2 µs of trace time), so fewer of its calls end at a quantum.
    const fewer = name.includes("replayed") ? 0.8 : 0.5;
    assert.ok(
      solo.execCalls < quanta.execCalls * fewer,
      `calls into the access path: ${solo.execCalls} in stretches, ${quanta.execCalls} by quanta`,
    );
  });
}

void test("threads that share the machine still take turns by the quantum", () => {
  const o: ExperimentOptions = { workload: builtinWorkload("stairs-mt", { timeScale: 0.02 }), ops: "vaddr" };
  const quanta = run(o, false);
  const solo = run(o, true);
  assert.equal(solo.data, quanta.data);
  assert.equal(solo.execCalls, quanta.execCalls);
});
