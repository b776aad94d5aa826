/**
 * Replays the shipped traces of real programs (test/fixtures/traces) and checks
 * the replay against the trace itself (every access replayed, threads, timing)
 * and DAMON's view against the exact truth of the replay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runExperiment } from "../../../src/eval/experiment.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import { replayWorkload, type ReplayInstance } from "../../../src/workload/trace-replay.js";
import { traceInfo } from "../../../src/workload/trace/info.js";

const FIX = fileURLToPath(new URL("../../fixtures/traces/", import.meta.url));

for (const name of ["sort", "xz-threads"]) {
  void test(`${name}: every traced access is replayed, on the traced threads, at the trace's pace`, () => {
    const path = `${FIX}${name}.dtrace`;
    const info = traceInfo(path);
    for (const loops of [1, 2]) {
      const s = setupSimulation(replayWorkload(path, { loops }), { truth: null, machine: { cpus: 2 } });
      const r = s.sim.run();
      const st = s.machine.stats();
      const inst = s.workload as ReplayInstance;
      const invalid = st.threads.reduce((a, t) => a + t.invalidAccesses, 0);
      assert.equal(st.accesses + invalid, info.accesses * loops, "replayed = traced");
      // A few accesses fall outside every mapped range the capture reported (well under 0.1%).
      assert.ok(invalid < info.accesses * loops * 1e-3, `${invalid} invalid accesses`);
      // One simulated thread per traced thread, in order of first access, round-robin on 2 CPUs.
      assert.deepEqual(
        inst.scan.threads.map((t) => t.tid).sort((a, b) => a - b),
        info.threads.map((t) => t.tid),
      );
      assert.deepEqual(
        st.threads.map((t) => t.cpu),
        inst.scan.threads.map((_, i) => i % 2),
      );
      for (const [i, t] of inst.scan.threads.entries()) {
        const traced = info.threads.find((x) => x.tid === t.tid)!.accesses;
        const th = st.threads[i];
        assert.equal(th.accesses + th.invalidAccesses, traced * loops, `thread ${t.tid}`);
      }
      // Time follows the instruction clock (0.5 ns each), plus what the simulated faults cost.
      const traceNs = info.duration * 0.5 * loops;
      assert.ok(
        r.endNs >= traceNs * 0.99 && r.endNs <= traceNs * 1.3,
        `${r.endNs} ns vs trace ${traceNs} ns`,
      );
    }
  });
}

void test("xz-threads: the replayed layout is the traced program's own", () => {
  const path = `${FIX}xz-threads.dtrace`;
  const info = traceInfo(path);
  const s = setupSimulation(replayWorkload(path), { truth: null });
  s.sim.run();
  const vmas = s.workload.process.vmas;
  // Every mapping alive at the end of the trace is mapped in the replayed process.
  for (const m of info.mappings) {
    for (let a = m.start; a < m.start + m.length; a += 4096) {
      assert.ok(s.workload.process.vmaAt(a) !== null, `0x${a.toString(16)} (${m.name ?? m.kind})`);
    }
  }
  assert.ok(vmas.some((v) => v.kind === "text" && v.name.endsWith("/xz")));
  assert.ok(vmas.some((v) => v.name.includes("libc.so")));
  assert.ok(vmas.some((v) => v.kind === "stack"));
});

for (const name of ["sort", "xz-threads"]) {
  void test(`${name}: DAMON on the replay agrees with the replay's exact truth`, () => {
    const r = runExperiment({
      workload: replayWorkload(`${FIX}${name}.dtrace`, { loops: 2 }),
      ops: "vaddr",
      attrs: { sampleUs: 20, aggrUs: 1000, updateUs: 1000 },
      machine: { tlb: false },
      baseline: false,
    });
    assert.ok(r.windows.length >= 8, `${r.windows.length} windows`);
    // After the first update the three regions cover the whole layout: (almost) no
    // accessed byte is outside DAMON's regions. (Before it, libraries are still being mapped.)
    const later = r.windows.slice(1);
    const unmonitored = later.reduce((a, w) => a + w.accuracy.unmonitoredAccessedBytes, 0);
    const trueWss = later.reduce((a, w) => a + w.accuracy.trueWssBytes, 0);
    assert.ok(unmonitored <= 0.02 * trueWss, `${unmonitored} of ${trueWss} accessed bytes unmonitored`);
    // The working-set estimate is of the right size (region granularity makes it coarse).
    const ratio = r.summary.estWssMedianBytes / r.summary.trueWssMedianBytes;
    assert.ok(ratio >= 0.5 && ratio <= 4, `estimated/true WSS median ${ratio}`);
    assert.ok(r.summary.freqError < 0.05, `frequency error ${r.summary.freqError}`);
    // The second loop is a phase change the truth recorder knows about.
    assert.equal(r.phaseChangesNs.length, 1);
  });
}
