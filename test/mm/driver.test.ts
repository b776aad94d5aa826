import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Machine, Simulation, type Agent } from "../../src/mm/index.js";
import { GroundTruth } from "../../src/truth/index.js";
import {
  builtinWorkload,
  instantiateWorkload,
  MASIM_ACCESSES_PER_PICK,
  type WorkloadSpec,
} from "../../src/workload/index.js";

const MiB = 2 ** 20;

/** An agent that records, at each wake, every running CPU's clock. */
class Probe implements Agent {
  next: number;
  readonly seen: { now: number; cpuTimes: number[] }[] = [];
  constructor(
    private readonly m: Machine,
    private readonly periodNs: number,
  ) {
    this.next = periodNs;
  }
  nextWakeNs(): number {
    return this.next;
  }
  wake(now: number): void {
    this.seen.push({ now, cpuTimes: this.m.cpus.map((c) => c.timeNs) });
    this.next = now + this.periodNs;
  }
}

/**
 * Two threads on two CPUs, each climbing its own stairs (small and short). The pick
 * length stays masim's (the size scale would shrink it): with a few picks per 10 ms
 * window, which regions a window touches depends on the seed's picks.
 */
const twoThreads: WorkloadSpec = {
  ...builtinWorkload("stairs-mt", { timeScale: 0.004, sizeScale: 0.2 }),
  accessesPerPick: MASIM_ACCESSES_PER_PICK,
};

function runOnce(seed: number, tlb: boolean) {
  const m = new Machine({ tlb: tlb ? undefined : false, cpus: 2 });
  const truth = new GroundTruth({ sampleNs: 1e6, aggrNs: 10e6 });
  m.attachTruth(truth);
  const w = instantiateWorkload(m, twoThreads, { seed, onPhase: (e) => truth.markPhase(e) });
  const sim = new Simulation(m);
  const probe = new Probe(m, 3e6);
  sim.addAgent(truth);
  sim.addAgent(probe);
  // The kdamond-like agent mkolds and checks one page per wake.
  const base = w.regions[0].addr;
  let checks = 0;
  let young = 0;
  sim.addAgent({
    nextWakeNs: () => (checks + 1) * 5e6,
    wake: () => {
      if (m.youngVaddr(w.pid, base + checks * 4096)) young++;
      m.mkoldVaddr(w.pid, base + checks * 4096);
      checks++;
    },
  });
  const r = sim.run();
  return { m, w, r, truth, probe, young, checks };
}

test("driver: agents wake only when every running CPU has reached their time", () => {
  const { probe, m } = runOnce(1, false);
  assert.ok(probe.seen.length > 10);
  const maxAccessNs = m.costs.minorFaultNs + m.costs.localAccessNs + m.costs.remoteAccessExtraNs;
  for (const s of probe.seen) {
    for (const t of s.cpuTimes) {
      // A CPU may have finished (its clock stops) — otherwise it is at most one access past `now`.
      if (t < s.now) continue;
      assert.ok(t - s.now <= maxAccessNs, `cpu clock ${t} overshoots wake ${s.now}`);
    }
  }
  for (let i = 1; i < probe.seen.length; i++) assert.ok(probe.seen[i].now > probe.seen[i - 1].now);
});

test("driver: same seed, same run (TLB on and off)", () => {
  for (const tlb of [false, true]) {
    const a = runOnce(7, tlb);
    const b = runOnce(7, tlb);
    assert.deepEqual(
      a.m.threads.map((t) => [t.accesses, t.runNs, t.minorFaults, t.tlbMisses]),
      b.m.threads.map((t) => [t.accesses, t.runNs, t.minorFaults, t.tlbMisses]),
    );
    assert.deepEqual(a.truth.summaries, b.truth.summaries);
    assert.deepEqual(a.truth.phaseChanges, b.truth.phaseChanges);
    assert.equal(a.young, b.young);
    assert.equal(a.r.endNs, b.r.endNs);
  }
  // And the seed matters: the weighted picks differ, so the windows' working sets do.
  const c = runOnce(8, false);
  const d = runOnce(7, false);
  assert.notDeepEqual(c.truth.summaries, d.truth.summaries);
});

test("driver: invariants hold across seeds", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (seed, tlb) => {
      const { m, truth, r, w } = runOnce(seed, tlb);
      // Truth saw exactly the accesses the threads made.
      truth.flush(r.endNs);
      const truthAccesses = truth.summaries.reduce((x, s) => x + s.totalAccesses, 0);
      assert.equal(truthAccesses, m.totalAccesses());
      // Every thread ran all its phases, in order, each after the previous one.
      for (const th of w.threads) {
        const ph = truth.phaseChanges.filter((p) => p.tid === th.tid);
        assert.deepEqual(
          ph.map((p) => p.phase),
          w.spec.threads[th.tid].phases.map((_, i) => i),
        );
        for (let i = 1; i < ph.length; i++) assert.ok(ph[i].timeNs > ph[i - 1].timeNs);
        assert.equal(th.done, true);
        assert.ok(th.cpu.timeNs >= th.runNs);
      }
      // Resident memory never exceeds what the regions can hold.
      const regionBytes = w.spec.regions.reduce((x, rg) => x + rg.sizeBytes, 0);
      assert.ok(m.frames.allocatedFrames * 4096 <= regionBytes + w.spec.regions.length * 8192);
    }),
    { numRuns: 6, seed: 42 },
  );
});

test("driver: a time limit stops the run and it can continue", () => {
  const m = new Machine({ tlb: false, cpus: 1 });
  instantiateWorkload(m, builtinWorkload("gups", { timeScale: 0.001, sizeScale: (16 * MiB) / 2 ** 30 }), {
    seed: 3,
  });
  const sim = new Simulation(m);
  const r1 = sim.run({ untilNs: 5e6 });
  assert.equal(r1.reason, "time-limit");
  assert.ok(m.cpus[0].timeNs >= 5e6 && m.cpus[0].timeNs < 5e6 + 10_000);
  const r2 = sim.run();
  assert.equal(r2.reason, "threads-finished");
  assert.ok(m.cpus[0].timeNs > 30e6);
});

test("driver: monitoring that steals CPU time makes a timed workload do fewer accesses", () => {
  const run = (steal: boolean): number => {
    const m = new Machine({ tlb: false, cpus: 1 });
    instantiateWorkload(m, builtinWorkload("gups", { timeScale: 0.001, sizeScale: (16 * MiB) / 2 ** 30 }), {
      seed: 3,
    });
    if (steal) m.kdamondCost.cpu = 0;
    const sim = new Simulation(m);
    let n = 0;
    sim.addAgent({
      nextWakeNs: () => (n + 1) * 100_000,
      wake: () => {
        n++;
        for (let k = 0; k < 100; k++) m.youngVaddr(1000, 0);
      },
    });
    sim.run();
    return m.totalAccesses();
  };
  const base = run(false);
  const slowed = run(true);
  assert.ok(slowed < base * 0.9, `${slowed} vs ${base}`);
});

test("driver: agents due at one instant wake by phase, then in registration order", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 16 * MiB }] });
  const sim = new Simulation(m);
  const order: string[] = [];
  const agent = (name: string): Agent => {
    let next = 1e6;
    return {
      nextWakeNs: () => next,
      wake: (now) => {
        order.push(name);
        next = now + 1e6;
      },
    };
  };
  sim.addAgent(agent("observer"), "observer");
  sim.addAgent(agent("kernel-1"));
  sim.addAgent(agent("truth"), "truth");
  sim.addAgent(agent("kdamond-1"), "kdamond");
  sim.addAgent(agent("kernel-2"), "kernel");
  sim.addAgent(agent("kdamond-2"), "kdamond");
  sim.run({ untilNs: 2.5e6, runAgentsWhenIdle: true });
  const round = ["kdamond-1", "kdamond-2", "truth", "kernel-1", "kernel-2", "observer"];
  assert.deepEqual(order, [...round, ...round]);
});
