import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, PTE_DIRTY, Simulation } from "../../src/mm/index.js";
import { ReplayStream } from "../../src/workload/index.js";

test("a replay stream plays its sequence once, through the driver, in batches", () => {
  const m = new Machine({ tlb: false, cpus: 1, batchSize: 3 });
  const as = m.createProcess("r");
  const base = as.mmap(4 * PAGE_SIZE);
  const seq = Float64Array.from([0, 1, 2, 3, 0, 1, 2], (p) => base + p * PAGE_SIZE);
  const th = m.spawnThread(as, 0, new ReplayStream(seq, [0, 0, 0, 5, 0, 0, 0]));
  const r = new Simulation(m).run();
  assert.equal(r.reason, "threads-finished");
  assert.equal(th.accesses, 7);
  assert.equal(th.minorFaults, 4);
  assert.ok(m.pteFlags(as.pid, base + 3 * PAGE_SIZE) & PTE_DIRTY, "non-zero write flag means write");
  assert.equal(m.pteFlags(as.pid, base) & PTE_DIRTY, 0);
});

test("a replay stream can repeat until a time", () => {
  const m = new Machine({ tlb: false, cpus: 1 });
  const as = m.createProcess("r");
  const base = as.mmap(PAGE_SIZE);
  const s = new ReplayStream(Float64Array.of(base, base + 8), undefined, { untilNs: 1e6 });
  m.spawnThread(as, 0, s);
  new Simulation(m).run();
  // 10 ns per access after the first fault: about 1e6 / 10 accesses.
  assert.ok(m.totalAccesses() > 90_000 && m.totalAccesses() < 110_000, String(m.totalAccesses()));
  assert.equal(s.finished, true);
});
