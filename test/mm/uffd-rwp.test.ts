/**
 * The userfaultfd RWP consumer: registration, protection as its own owner, the
 * async and sync fault paths, PAGEMAP_SCAN read-and-clear, and the working-set
 * estimator against the exact truth (issue 14).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../../src/mm/machine.js";
import { hintingOf } from "../../src/mm/hinting/index.js";
import { UffdRwp, attachUffdRwp } from "../../src/mm/uffd/rwp.js";
import type { UffdRwpMode } from "../../src/mm/uffd/rwp.js";
import { PAGE_SIZE, PTE_ARMED } from "../../src/mm/vma.js";
import { runExperiment } from "../../src/eval/experiment.js";
import { resolveWorkload } from "../../src/workload/builtins.js";
import { UffdWssJudge } from "../../src/eval/interference/uffd-wss.js";

const idle = { fill: () => 0, finished: true, resumeNs: 0 };

function setup(mode: UffdRwpMode) {
  const m = new Machine({ cpus: 1 });
  const as = m.createProcess("vmm-guest");
  const base = as.mmap(16 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(
    th,
    Array.from({ length: 8 }, (_, i) => base + i * PAGE_SIZE),
  );
  const fw = hintingOf(m);
  const u = new UffdRwp(m, { mode });
  u.registerRange(as.pid, base, base + 16 * PAGE_SIZE);
  return { m, as, base, th, fw, u };
}

test("protect arms the present pages as uffd-rwp; a fault restores in place and the page reads as accessed", () => {
  const { m, as, base, th, fw, u } = setup("async");
  assert.equal(u.protect(), 8, "only the 8 present pages");
  assert.equal(m.pteFlags(as.pid, base) & PTE_ARMED, PTE_ARMED);
  m.runAccesses(th, [base, base + 2 * PAGE_SIZE, base + 2 * PAGE_SIZE, base + 9 * PAGE_SIZE]);
  assert.equal(u.stats.faults, 2, "one fault per protected page touched; the new page did not fault");
  assert.equal(fw.stats.delivered["uffd-rwp"], 2);
  assert.equal(m.pteFlags(as.pid, base) & PTE_ARMED, 0, "restored in place");
  // Accessed: the two touched pages and the page faulted in since (first touch).
  assert.deepEqual(u.pagemapScan(true), { accessedPages: 3, protectedPages: 9 });
  assert.deepEqual(u.pagemapScan(false), { accessedPages: 0, protectedPages: 0 }, "read-and-clear cleared");
  u.unregister();
  assert.equal(m.pteFlags(as.pid, base + PAGE_SIZE) & PTE_ARMED, PTE_ARMED, "stale until its next access");
  m.runAccesses(th, [base + PAGE_SIZE]);
  assert.equal(u.stats.faults, 2, "no fault reaches an unregistered VMM");
});

test("sync mode: the faulting thread waits a user-space round trip; the VMM's handler time is charged", () => {
  const cost = (mode: UffdRwpMode) => {
    const { m, base, th, u } = setup(mode);
    u.protect();
    const t0 = m.cpus[0].timeNs;
    m.runAccesses(th, [base, base + PAGE_SIZE]);
    return { cpu: m.cpus[0].timeNs - t0, u };
  };
  const a = cost("async");
  const s = cost("sync");
  assert.equal(s.u.stats.roundTrips, 2);
  assert.ok(s.cpu - a.cpu >= 2 * (8000 - 100), `sync ${s.cpu} ns vs async ${a.cpu} ns`);
  assert.ok(s.u.stats.vmmNs > a.u.stats.vmmNs);
});

test("uffd-rwp coexists with other owners in generic mode: a page armed by two owners faults to both", () => {
  const { m, as, base, th, fw, u } = setup("async");
  const seen: number[] = [];
  const h = fw.register({ name: "damon", onFault: (f) => (seen.push(f.vaddr), 0) });
  u.protect();
  fw.arm(h, as.pid, base, m.kdamondCost);
  m.runAccesses(th, [base]);
  assert.deepEqual(seen, [base]);
  assert.equal(u.stats.faults, 1);
  assert.equal(fw.stats.doubleArms, 1);
});

/** The estimator on a workload scaled 10× faster, with the scan period scaled alike (100 ms for 1 s). */
function estimate(workload: string, seed: number) {
  let judge: UffdWssJudge | null = null;
  const r = runExperiment({
    workload: resolveWorkload(workload, { timeScale: 0.1, sizeScale: 0.25 }),
    ops: "vaddr",
    seed,
    baseline: false,
    durationNs: 0.45e9,
    onSetup: (m, ctx, sim) => {
      const pid = ctx.targets[0].pid!;
      judge = new UffdWssJudge(attachUffdRwp(sim, m, pid, { scanPeriodMs: 100 }), pid);
    },
    onTruthWindow: (w) => judge!.onTruthWindow(w),
  });
  return { res: judge!.result(), r };
}

for (const workload of ["stairs", "zipf-kv"]) {
  test(`uffd-rwp WSS estimate within 10 % of the true WSS in every scan period: ${workload}`, () => {
    for (const seed of [1, 2]) {
      const { res } = estimate(workload, seed);
      assert.ok(res.periods.length >= 3, `${res.periods.length} periods`);
      for (const p of res.periods) {
        assert.ok(p.trueBytes > 0);
        assert.ok(
          Math.abs(p.estimateBytes - p.trueBytes) <= 0.1 * p.trueBytes,
          `seed ${seed}: estimate ${p.estimateBytes} vs true ${p.trueBytes}`,
        );
      }
    }
  });
}
