/**
 * The generic fault-then-restore framework under many seeded interleavings of
 * CPUs accessing, NUMA balancing and DAMON arming, and both sides switching on
 * and off (issue 4's evidence). The same schedules in piggyback mode must show
 * the misrouting the review described.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../../src/mm/machine.js";
import type { SimThread } from "../../src/mm/machine.js";
import { HintingFramework, DAMON_OWNER, NUMA_OWNER } from "../../src/mm/hinting/framework.js";
import type { HintFault, HintingMode, HintOwner, OwnerHandle } from "../../src/mm/hinting/framework.js";
import { PAGE_SIZE, PTE_ARMED, PTE_WRITE_PROTECTED } from "../../src/mm/vma.js";
import { Rng } from "../../src/util/rng.js";

const PAGES = 64;
const idle = { fill: () => 0, finished: true, resumeNs: 0 };

class RecordingOwner implements HintOwner {
  faults: HintFault[] = [];
  constructor(readonly name: string) {}
  onFault(f: HintFault): number {
    this.faults.push(f);
    return 0;
  }
}

interface Outcome {
  violations: string[];
  stats: HintingFramework["stats"];
}

function schedule(mode: HintingMode, seed: number, steps = 600): Outcome {
  const rng = new Rng(seed);
  const m = new Machine({ cpus: 3, tlb: { entries: 64, ways: 4 } });
  const as = m.createProcess("t");
  const base = as.mmap(PAGES * PAGE_SIZE);
  const threads: SimThread[] = [0, 1, 2].map((c) => m.spawnThread(as, c, idle));
  // Touch every page so they are present; write-protect some (COW / uffd-wp).
  m.runAccesses(
    threads[0],
    Array.from({ length: PAGES }, (_, i) => base + i * PAGE_SIZE),
  );
  const vma = as.vmaAt(base)!;
  const idxOf = (p: number) => Math.floor((base + p * PAGE_SIZE) / PAGE_SIZE) - vma.startPage;
  for (let p = 0; p < PAGES; p++) if (rng.randRange(0, 4) === 0) vma.flags![idxOf(p)] |= PTE_WRITE_PROTECTED;

  const fw = new HintingFramework(m, { mode });
  const numa = new RecordingOwner(NUMA_OWNER);
  const damon = new RecordingOwner(DAMON_OWNER);
  let numaH: OwnerHandle | null = fw.register(numa);
  let damonH: OwnerHandle | null = fw.register(damon);
  fw.numaBalancingEnabled = true;
  // The shadow model: which (currently registered) owners armed each page, and its protection then.
  const armedBy: Set<string>[] = Array.from({ length: PAGES }, () => new Set());
  const protAtArm = new Int16Array(PAGES).fill(-1);
  const violations: string[] = [];
  let lastFaultPage = -1;
  fw.afterFault = (v, idx) => {
    const p = idx - idxOf(0);
    lastFaultPage = p;
    if (protAtArm[p] >= 0 && (v.flags![idx] & PTE_WRITE_PROTECTED) !== protAtArm[p])
      violations.push(`page ${p}: protection changed by restore`);
    if (v.flags![idx] & PTE_ARMED) violations.push(`page ${p}: still armed after its fault`);
  };
  const deliveredCheck = (owner: RecordingOwner, before: number) => {
    for (const f of owner.faults.slice(before)) {
      const p = (f.vaddr - base) / PAGE_SIZE;
      if (!armedBy[p].has(owner.name))
        violations.push(`${owner.name} got a fault on page ${p} it did not arm`);
    }
  };
  for (let s = 0; s < steps; s++) {
    const ev = rng.randRange(0, 100);
    if (ev < 55) {
      const p = rng.randRange(0, PAGES);
      const th = threads[rng.randRange(0, 3)];
      const nb = numa.faults.length;
      const db = damon.faults.length;
      lastFaultPage = -1;
      m.runAccesses(th, [base + p * PAGE_SIZE + 8], [rng.randRange(0, 2)]);
      deliveredCheck(numa, nb);
      deliveredCheck(damon, db);
      if (lastFaultPage === p) {
        armedBy[p].clear();
        protAtArm[p] = -1;
      }
    } else if (ev < 70) {
      if (numaH) {
        const p = rng.randRange(0, PAGES - 8);
        fw.armRange(numaH, as.pid, base + p * PAGE_SIZE, base + (p + 8) * PAGE_SIZE, m.kdamondCost);
        for (let q = p; q < p + 8; q++) {
          armedBy[q].add(NUMA_OWNER);
          if (protAtArm[q] < 0) protAtArm[q] = vma.flags![idxOf(q)] & PTE_WRITE_PROTECTED;
        }
      }
    } else if (ev < 88) {
      if (damonH) {
        const p = rng.randRange(0, PAGES);
        fw.arm(damonH, as.pid, base + p * PAGE_SIZE, m.kdamondCost);
        armedBy[p].add(DAMON_OWNER);
        if (protAtArm[p] < 0) protAtArm[p] = vma.flags![idxOf(p)] & PTE_WRITE_PROTECTED;
      }
    } else if (ev < 94) {
      // NUMA balancing switched. Generic: the owner leaves/returns. Piggyback: the global switch flips.
      if (mode === "generic") {
        if (numaH) {
          fw.unregister(numaH);
          numaH = null;
          for (const set of armedBy) set.delete(NUMA_OWNER);
        } else numaH = fw.register(numa);
      } else fw.numaBalancingEnabled = !fw.numaBalancingEnabled;
    } else {
      if (damonH) {
        const bit = damonH.bit;
        fw.unregister(damonH);
        damonH = null;
        for (const set of armedBy) set.delete(DAMON_OWNER);
        if (mode === "generic") {
          for (let p = 0; p < PAGES; p++)
            if (vma.owners && vma.owners[idxOf(p)] & (1 << bit))
              violations.push(`damon's bit survived on ${p}`);
        }
      } else damonH = fw.register(damon);
    }
  }
  // No page stays armed forever: one more access to every page restores all of them.
  m.runAccesses(
    threads[0],
    Array.from({ length: PAGES }, (_, i) => base + i * PAGE_SIZE),
  );
  for (let p = 0; p < PAGES; p++)
    if (vma.flags![idxOf(p)] & PTE_ARMED) violations.push(`page ${p} stayed armed`);
  return { violations, stats: fw.stats };
}

test("generic mode: over 200 seeded interleavings, every invariant holds after every event", () => {
  let delivered = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const o = schedule("generic", seed);
    assert.deepEqual(o.violations, [], `seed ${seed}`);
    assert.equal(o.stats.misroutedToDamon + o.stats.misroutedToNuma, 0);
    assert.equal(o.stats.lostRestorations, 0);
    delivered += o.stats.delivered[DAMON_OWNER] + o.stats.delivered[NUMA_OWNER];
  }
  assert.ok(delivered > 5000, `faults delivered: ${delivered}`);
});

test("piggyback mode: the same schedules misroute faults both ways and lose protections", () => {
  let toNuma = 0;
  let toDamon = 0;
  let lost = 0;
  let violated = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const o = schedule("piggyback", seed);
    toNuma += o.stats.misroutedToNuma;
    toDamon += o.stats.misroutedToDamon;
    lost += o.stats.lostRestorations;
    if (o.violations.length > 0) violated++;
  }
  assert.ok(toNuma > 0, "DAMON-armed faults handled by NUMA balancing");
  assert.ok(toDamon > 0, "NUMA-armed faults handled by DAMON");
  assert.ok(lost > 0, "write-protected pages restored writable");
  assert.ok(violated > 100, `schedules with a violated invariant: ${violated}/200`);
});

test("a fault on a page whose owners all left is restored silently and counted", () => {
  const m = new Machine({ cpus: 1 });
  const as = m.createProcess("t");
  const base = as.mmap(4 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base]);
  const fw = new HintingFramework(m);
  const o = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(o);
  assert.ok(fw.arm(h, as.pid, base, m.kdamondCost));
  assert.equal(fw.arm(h, as.pid, base + PAGE_SIZE, m.kdamondCost), false, "not present: nothing to arm");
  fw.unregister(h);
  m.runAccesses(th, [base]);
  assert.equal(o.faults.length, 0);
  assert.equal(fw.stats.staleRestores, 1);
  assert.equal(m.pteFlags(as.pid, base) & PTE_ARMED, 0);
});

test("arming flushes the page's TLB entries and charges the arming account", () => {
  const m = new Machine({ cpus: 2 });
  const as = m.createProcess("t");
  const base = as.mmap(PAGE_SIZE);
  const th0 = m.spawnThread(as, 0, idle);
  const th1 = m.spawnThread(as, 1, idle);
  m.runAccesses(th0, [base]);
  m.runAccesses(th1, [base]);
  const fw = new HintingFramework(m);
  const h = fw.register(new RecordingOwner(DAMON_OWNER));
  const before = m.kdamondCost.ns;
  fw.arm(h, as.pid, base, m.kdamondCost);
  assert.ok(m.kdamondCost.ns - before >= fw.costs.armNs + m.costs.tlbFlushLocalNs);
  assert.equal(m.kdamondCost.tlbFlushes, 1);
  // The fault is charged to the faulting CPU.
  const t0 = m.cpus[1].timeNs;
  m.runAccesses(th1, [base], [1]);
  assert.ok(m.cpus[1].timeNs - t0 >= fw.costs.faultNs);
});
