/**
 * The generic fault-then-restore framework under many seeded interleavings of
 * CPUs accessing, NUMA balancing and DAMON arming, and both sides switching on
 * and off (issue 4's evidence; the schedules live in src/eval/race.ts, which
 * `damon-ts race` runs too). The same schedules in piggyback mode must show the
 * misrouting the review described.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../../src/mm/machine.js";
import { HintingFramework, DAMON_OWNER } from "../../src/mm/hinting/framework.js";
import { PAGE_SIZE, PTE_ARMED, PTE_WRITE_PROTECTED } from "../../src/mm/vma.js";
import { RecordingOwner, raceSchedule, runRace } from "../../src/eval/race.js";

const idle = { fill: () => 0, finished: true, resumeNs: 0 };

test("generic mode: over 200 seeded interleavings, every invariant holds after every event", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const o = raceSchedule("generic", seed);
    assert.deepEqual(o.violations, [], `seed ${seed}`);
  }
  const t = runRace("generic", 200);
  assert.equal(t.misroutedToDamon + t.misroutedToNuma, 0);
  assert.ok(t.deliveredToNuma > 1000 && t.deliveredToDamon > 1000, JSON.stringify(t));
  assert.ok(t.staleRestores > 0, "owners left pages behind, restored silently");
});

test("piggyback mode: the same schedules misroute faults both ways, and only that", () => {
  const t = runRace("piggyback", 200);
  assert.ok(t.misroutedToNuma > 0, "DAMON-armed faults handled by NUMA balancing");
  assert.ok(t.misroutedToDamon > 0, "NUMA-armed faults handled by DAMON");
  assert.ok(
    t.schedulesWithViolations > 100,
    `schedules with a violated invariant: ${t.schedulesWithViolations}/200`,
  );
  // Restores keep the protection in this mode too (do_damon_page restores as
  // do_numa_page does): no schedule reports a changed protection or a page left armed.
  for (let seed = 1; seed <= 200; seed++) {
    for (const v of raceSchedule("piggyback", seed).violations)
      assert.match(v, /got a fault on page \d+ it did not arm/, `seed ${seed}`);
  }
});

/** A machine with one process whose two pages are present. */
function twoPages() {
  const m = new Machine({ cpus: 1 });
  const as = m.createProcess("t");
  const base = as.mmap(2 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base, base + PAGE_SIZE]);
  return { m, as, base, th };
}

test("piggyback: restoring a write-protected page keeps it write-protected (fails before the RFC-faithful restore)", () => {
  const { m, as, base, th } = twoPages();
  const v = as.vmaAt(base)!;
  const idx = Math.floor(base / PAGE_SIZE) - v.startPage;
  v.setFlag(idx, v.flagAt(idx) | PTE_WRITE_PROTECTED);
  const fw = new HintingFramework(m, { mode: "piggyback" });
  const damon = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(damon);
  assert.ok(fw.arm(h, as.pid, base, m.kdamondCost));
  m.runAccesses(th, [base], [1]);
  assert.equal(damon.faults.length, 1);
  assert.equal(v.flagAt(idx) & PTE_ARMED, 0);
  assert.equal(v.flagAt(idx) & PTE_WRITE_PROTECTED, PTE_WRITE_PROTECTED, "COW / uffd-wp kept");
});

test("piggyback: no withdrawal and no owner bits — unregister leaves pages armed, a later DAMON gets their faults (fails before)", () => {
  const { m, as, base, th } = twoPages();
  const fw = new HintingFramework(m, { mode: "piggyback" });
  const first = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(first);
  assert.ok(fw.arm(h, as.pid, base, m.kdamondCost));
  assert.throws(() => fw.disarm(h, as.pid, base, m.kdamondCost), /cannot withdraw/);
  fw.unregister(h);
  assert.equal(m.pteFlags(as.pid, base) & PTE_ARMED, PTE_ARMED, "still PROT_NONE after DAMON stopped");
  // NUMA balancing is off: the RFC routes the fault to do_damon_page → whoever DAMON is now.
  const second = new RecordingOwner(DAMON_OWNER);
  fw.register(second);
  m.runAccesses(th, [base]);
  assert.equal(second.faults.length, 1);
  assert.equal(fw.stats.staleRestores, 0, "the page was armed by DAMON (the RFC cannot tell sessions apart)");
  assert.equal(fw.stats.misroutedToDamon, 1, "the second DAMON did not arm it: counted as misrouted");
  assert.throws(() => fw.register(new RecordingOwner("pghot")), /routes only/);
});

test("generic: unregister clears the owner's bit; disarm withdraws one page", () => {
  const { m, as, base, th } = twoPages();
  const fw = new HintingFramework(m);
  const o = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(o);
  fw.arm(h, as.pid, base, m.kdamondCost);
  fw.arm(h, as.pid, base + PAGE_SIZE, m.kdamondCost);
  assert.ok(fw.disarm(h, as.pid, base, m.kdamondCost));
  assert.equal(m.pteFlags(as.pid, base) & PTE_ARMED, 0);
  fw.unregister(h);
  m.runAccesses(th, [base + PAGE_SIZE]);
  assert.equal(o.faults.length, 0);
  assert.equal(fw.stats.staleRestores, 1);
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

test("arming flushes the page's TLB entries and charges the arming account; the fault is charged to the CPU", () => {
  const m = new Machine({ cpus: 2 });
  const as = m.createProcess("t");
  const base = as.mmap(PAGE_SIZE);
  const th0 = m.spawnThread(as, 0, idle);
  const th1 = m.spawnThread(as, 1, idle);
  m.runAccesses(th0, [base]);
  m.runAccesses(th1, [base]);
  const fw = new HintingFramework(m);
  const o = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(o);
  const before = m.kdamondCost.ns;
  fw.arm(h, as.pid, base, m.kdamondCost);
  assert.ok(m.kdamondCost.ns - before >= fw.costs.armNs + m.costs.tlbFlushLocalNs);
  assert.equal(m.kdamondCost.tlbFlushes, 1);
  const t0 = m.cpus[1].timeNs;
  m.runAccesses(th1, [base], [1]);
  assert.ok(m.cpus[1].timeNs - t0 >= fw.costs.faultNs);
  assert.deepEqual(
    o.faults.map((f) => [f.cpu, f.tid, f.isWrite, f.vaddr]),
    [[1, th1.tid, true, base]],
  );
});
