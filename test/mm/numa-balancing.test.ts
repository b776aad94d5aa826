/**
 * Automatic NUMA balancing on the hinting framework (issue 4): misplaced pages
 * move to the node that uses them, the two-fault filter, the adaptive scan
 * period, the run-time switch, and memory-tiering promotion with its rate limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../../src/mm/machine.js";
import type { AccessStream, SimThread } from "../../src/mm/machine.js";
import { Simulation } from "../../src/mm/driver.js";
import { hintingOf, NUMA_OWNER } from "../../src/mm/hinting/index.js";
import { attachNumaBalancing, NumaBalancing, tieredNodes } from "../../src/mm/numa-balancing/index.js";
import type { NumaBalancingOptions } from "../../src/mm/numa-balancing/index.js";
import { PAGE_SIZE, PTE_ARMED } from "../../src/mm/vma.js";
import { Rng } from "../../src/util/rng.js";

const MiB = 2 ** 20;
const S = 1e9;
const idle = { fill: () => 0, finished: true, resumeNs: 0 };

/** Uniform random reads over [base, base + size) until `untilNs`. */
class UniformStream implements AccessStream {
  finished = false;
  resumeNs = 0;
  constructor(
    private readonly rng: Rng,
    private readonly base: number,
    private readonly size: number,
    private readonly untilNs: number,
  ) {}
  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number): number {
    if (nowNs >= this.untilNs) {
      this.finished = true;
      return 0;
    }
    for (let i = 0; i < addrs.length; i++) {
      addrs[i] = this.base + Math.floor(this.rng.nextFloat() * this.size);
      writes[i] = 0;
    }
    return addrs.length;
  }
}

function pagesOnNode(m: Machine, pid: number, base: number, bytes: number, node: number): number {
  let n = 0;
  for (let a = base; a < base + bytes; a += PAGE_SIZE) {
    const pa = m.translate(pid, a);
    if (pa >= 0 && m.frames.node[Math.floor(pa / PAGE_SIZE)] === node) n++;
  }
  return n;
}

/** Two nodes, CPU 0 on node 0 and CPU 1 on node 1; memory first-touched from node 0, used from node 1. */
function misplaced(seed: number, bytes: number, durationNs: number, opts: NumaBalancingOptions = {}) {
  const m = new Machine({
    nodes: [{ sizeBytes: 256 * MiB }, { sizeBytes: 256 * MiB }],
    cpus: 2,
    costs: { localAccessNs: 1000 },
  });
  const as = m.createProcess("misplaced");
  const base = as.mmap(bytes);
  const init = m.spawnThread(as, 0, idle, "init");
  const touch: number[] = [];
  for (let a = base; a < base + bytes; a += PAGE_SIZE) touch.push(a);
  m.runAccesses(
    init,
    touch,
    touch.map(() => 1),
  );
  m.spawnThread(as, 1, new UniformStream(new Rng(seed), base, bytes, durationNs), "worker");
  const sim = new Simulation(m);
  const nb = attachNumaBalancing(sim, m, opts);
  sim.run({ untilNs: durationNs });
  return { m, as, base, nb };
}

test("a task on node 1 using memory first-touched on node 0: its pages migrate to node 1, remote share falls", () => {
  const bytes = 16 * MiB;
  const pages = bytes / PAGE_SIZE;
  const { m, as, base, nb } = misplaced(1, bytes, 6 * S);
  assert.equal(pagesOnNode(m, as.pid, base, bytes, 1), pages, "every page now on node 1");
  const s = nb.stats;
  assert.equal(s.migrations, pages, "each page migrated exactly once");
  assert.ok(s.filteredByLastNode >= pages, "the first remote fault on each page is filtered");
  const w = nb.stats.tasks[0].windows;
  const share = (x: { local: number; remote: number }) => x.remote / Math.max(1, x.local + x.remote);
  assert.ok(share(w[0]) > 0.99, `first window remote share ${share(w[0])}`);
  assert.ok(share(w[w.length - 1]) < 0.01, `last window remote share ${share(w[w.length - 1])}`);
  assert.ok(s.byCpuNode[1].remote > 0 && s.byCpuNode[1].local > 0);
  assert.equal(s.byCpuNode[0].local + s.byCpuNode[0].remote, 0, "nothing faulted on node 0's CPU");
  assert.ok(
    s.scans >= 4 && s.pagesArmed >= 4 * pages - pages,
    JSON.stringify({ scans: s.scans, armed: s.pagesArmed }),
  );
  assert.ok(s.scanNs > 0 && m.cpus[0].stolenNs + m.cpus[1].stolenNs > 0, "scanning costs task time");
  assert.equal(nb.stats.tasks[0].preferredNode, 1);
});

test("over several seeds: every misplaced page ends on the using node, none bounces, faults add up", () => {
  const bytes = 4 * MiB;
  const pages = bytes / PAGE_SIZE;
  for (let seed = 1; seed <= 6; seed++) {
    const { m, as, base, nb } = misplaced(seed, bytes, 5 * S);
    const s = nb.stats;
    assert.equal(pagesOnNode(m, as.pid, base, bytes, 1), pages, `seed ${seed}`);
    assert.equal(s.migrations, pages, `seed ${seed}: no page migrated twice`);
    assert.equal(s.migrationFailures, 0);
    const byNode = s.byCpuNode.reduce((a, x) => a + x.local + x.remote, 0);
    assert.equal(byNode, s.faults, `seed ${seed}`);
    assert.equal(s.faults, hintingOf(m).stats.delivered[NUMA_OWNER], `seed ${seed}`);
    assert.ok(s.migrations + s.filteredByLastNode <= s.faults);
  }
});

/** A machine with one page first-touched on node 0, driven by hand: wake the agent, access from a chosen CPU. */
function handDriven(opts: NumaBalancingOptions = {}, mapBytes = PAGE_SIZE) {
  const m = new Machine({ nodes: [{ sizeBytes: 64 * MiB }, { sizeBytes: 64 * MiB }], cpus: 2 });
  const as = m.createProcess("t");
  const base = as.mmap(mapBytes);
  const th0 = m.spawnThread(as, 0, idle, "n0");
  const th1 = m.spawnThread(as, 1, idle, "n1");
  m.runAccesses(th0, [base]);
  th0.done = false; // keep the task alive for discovery
  const nb = new NumaBalancing(m, opts);
  /** Wakes the agent until it has scanned once more (discovery-only wakes in between). */
  const step = (): void => {
    const scans = nb.stats.scans;
    while (nb.stats.scans === scans) {
      const t = nb.nextWakeNs();
      m.nowNs = t;
      nb.wake(t);
    }
  };
  const access = (th: SimThread): void => m.runAccesses(th, [base]);
  const node = (): number => m.frames.node[Math.floor(m.translate(as.pid, base) / PAGE_SIZE)];
  return { m, as, base, th0, th1, nb, step, access, node };
}

test("two-fault filter: a page migrates only on the second consecutive remote fault from the same node", () => {
  const h = handDriven();
  h.step(); // discovery, then the first scan
  assert.ok(h.m.pteFlags(h.as.pid, h.base) & PTE_ARMED);
  h.access(h.th1);
  assert.equal(h.node(), 0, "first fault from node 1: filtered");
  h.step();
  h.access(h.th0);
  assert.equal(h.node(), 0, "local fault");
  h.step();
  h.access(h.th1);
  assert.equal(h.node(), 0, "previous fault came from node 0: filtered again");
  h.step();
  h.access(h.th1);
  assert.equal(h.node(), 1, "second consecutive fault from node 1: migrated");
  assert.equal(h.nb.stats.migrations, 1);
  assert.equal(h.nb.stats.filteredByLastNode, 2);
});

test("a page of a 16 TiB mapping (2^32 pages) is armed, faults and keeps its last node (per-chunk page state)", () => {
  const h = handDriven({}, 16 * 2 ** 40);
  h.step();
  assert.ok(h.m.pteFlags(h.as.pid, h.base) & PTE_ARMED);
  h.access(h.th1);
  assert.equal(h.node(), 0, "first fault from node 1: filtered");
  assert.equal(h.nb.stats.faults, 1);
  assert.equal(h.nb.stats.filteredByLastNode, 1);
});

test("adaptive scan period: no faults double it, local faults slow it, remote faults speed it up", () => {
  const h = handDriven({ scanPeriodMinMs: 100, scanDelayMs: 800, scanPeriodMaxMs: 60_000 });
  h.step(); // discovery, then the first scan: period = scan delay
  const p = () => h.nb.stats.tasks[0].scanPeriodMs;
  assert.equal(p(), 800);
  h.step(); // no fault in the window
  assert.equal(p(), 1600);
  h.access(h.th0); // local
  h.step();
  assert.ok(p() > 1600, `local → slower, got ${p()}`);
  const before = p();
  h.access(h.th1); // remote (filtered, still a remote fault)
  h.step();
  assert.ok(p() < before, `remote → faster, got ${p()} after ${before}`);
  for (let i = 0; i < 30; i++) h.step();
  assert.equal(p(), 60_000, "idle: clamped at the maximum");
  for (const w of h.nb.stats.tasks[0].windows) assert.ok(w.periodMs >= 100 && w.periodMs <= 60_000);
});

test("the run-time switch: off unregisters (no bits left, no scans), on resumes; piggyback flips the global switch", () => {
  for (const mode of ["generic", "piggyback"] as const) {
    const h = handDriven({ hintingMode: mode });
    const fw = hintingOf(h.m);
    h.step();
    assert.ok(h.m.pteFlags(h.as.pid, h.base) & PTE_ARMED);
    assert.equal(fw.numaBalancingEnabled, mode === "piggyback");
    h.nb.setEnabled(false);
    assert.equal(h.nb.enabled, false);
    assert.equal(h.nb.nextWakeNs(), Infinity);
    assert.equal(fw.numaBalancingEnabled, false);
    h.access(h.th1);
    assert.equal(h.nb.stats.faults, 0, `${mode}: no fault reaches a disabled owner`);
    h.nb.setEnabled(true);
    assert.equal(fw.numaBalancingEnabled, mode === "piggyback");
    h.step();
    h.access(h.th1);
    assert.equal(h.nb.stats.faults, 1, `${mode}: scanning resumed`);
  }
});

/** Fast node 0 with the CPUs, slow node 1; a region first-touched on the slow tier. */
function tiered(
  seed: number,
  opts: NumaBalancingOptions,
  durationNs: number,
  hotBytes: number,
  coldBytes: number,
) {
  const m = new Machine({
    ...tieredNodes({ fastBytes: 64 * MiB, slowBytes: 256 * MiB, slowAccessNs: 2500 }, 2),
    costs: { localAccessNs: 1000 },
  });
  const as = m.createProcess("tiered");
  const base = as.mmap(hotBytes + coldBytes);
  as.vmaAt(base)!.policyNode = 1;
  const init = m.spawnThread(as, 0, idle, "init");
  const touch: number[] = [];
  for (let a = base; a < base + hotBytes + coldBytes; a += PAGE_SIZE) touch.push(a);
  m.runAccesses(init, touch);
  m.spawnThread(as, 1, new UniformStream(new Rng(seed), base, hotBytes, durationNs), "hot");
  const sim = new Simulation(m);
  const nb = attachNumaBalancing(sim, m, { normal: false, tiering: true, ...opts });
  sim.run({ untilNs: durationNs });
  return { m, as, base, nb };
}

test("tiering: a hot set in the slow tier is promoted at no more than the rate limit; cold pages stay", () => {
  const hot = 8 * MiB;
  const cold = 24 * MiB;
  const limitMBps = 2;
  const limitPages = (limitMBps * MiB) / PAGE_SIZE;
  for (let seed = 1; seed <= 4; seed++) {
    const dur = 9 * S;
    const { m, as, base, nb } = tiered(seed, { promoteRateLimitMBps: limitMBps }, dur, hot, cold);
    const s = nb.stats;
    assert.ok(nb.isSlowNode(1) && !nb.isSlowNode(0));
    assert.ok(s.promotions > 0, `seed ${seed}`);
    assert.ok(s.maxPromotedInWindow <= limitPages, `seed ${seed}: ${s.maxPromotedInWindow} > ${limitPages}`);
    assert.ok(s.rateLimited > 0, `seed ${seed}: the limit bit`);
    // Scans from 1 s on: at most one window's budget per started second after the first scan.
    assert.ok(s.promotions <= limitPages * Math.ceil((dur - 1 * S) / S), `seed ${seed}: ${s.promotions}`);
    assert.equal(s.migrations, 0, "tiering only: no NUMA-normal migrations");
    assert.equal(pagesOnNode(m, as.pid, base + hot, cold, 1), cold / PAGE_SIZE, "cold pages never faulted");
    assert.equal(pagesOnNode(m, as.pid, base, hot, 0), s.promotions, "promoted pages are the hot ones");
  }
  // Unlimited (the kernel default): the whole hot set moves up after one scan.
  const { m, as, base, nb } = tiered(1, {}, 3 * S, hot, cold);
  assert.equal(pagesOnNode(m, as.pid, base, hot, 0), hot / PAGE_SIZE);
  assert.equal(nb.stats.rateLimited, 0);
  assert.ok(nb.stats.pagesArmed >= (hot + cold) / PAGE_SIZE, "tiering-only mode arms slow-tier pages");
});

test("tiering: a fault later than the hot threshold after the scan does not promote", () => {
  const { nb } = tiered(1, { hotThresholdMs: 0 }, 3 * S, 4 * MiB, 0);
  assert.equal(nb.stats.promotions, 0);
  assert.ok(nb.stats.notHot > 0);
});

test("bad options are refused", () => {
  const m = new Machine({ cpus: 1 });
  assert.throws(() => new NumaBalancing(m, { scanPeriodMinMs: 0 }), /scanPeriodMinMs/);
  assert.throws(
    () => new NumaBalancing(m, { scanPeriodMinMs: 5000, scanPeriodMaxMs: 1000 }),
    /scanPeriodMaxMs/,
  );
  assert.throws(() => new NumaBalancing(m, { promoteRateLimitMBps: -1 }), /promoteRateLimitMBps/);
});
