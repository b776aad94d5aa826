/**
 * pghot-style hotness (issue 14): hint faults are recorded per frame, a frame is
 * marked ready at the hotness threshold within the window, and kmigrated
 * promotes ready frames in batches within the rate limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../../src/mm/machine.js";
import { Pghot } from "../../src/mm/pghot/pghot.js";
import type { HintFault } from "../../src/mm/hinting/index.js";
import { PAGE_SIZE } from "../../src/mm/vma.js";

const idle = { fill: () => 0, finished: true, resumeNs: 0 };
const MiB = 2 ** 20;

/** A tiered machine (node 1 slow, CPU-less) and `n` pages first-touched on node 1. */
function slowPages(n: number) {
  const m = new Machine({
    nodes: [{ sizeBytes: 64 * MiB }, { sizeBytes: 64 * MiB, accessNs: 250 }],
    cpus: [0],
  });
  const as = m.createProcess("t");
  const base = as.mmap(n * PAGE_SIZE, { node: 1 });
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(
    th,
    Array.from({ length: n }, (_, i) => base + i * PAGE_SIZE),
  );
  const fault = (i: number, timeNs: number): HintFault => {
    const paddr = m.translate(as.pid, base + i * PAGE_SIZE);
    return {
      pid: as.pid,
      tid: th.tid,
      cpu: 0,
      cpuNode: 0,
      vaddr: base + i * PAGE_SIZE,
      paddr,
      pageNode: 1,
      isWrite: false,
      timeNs,
    };
  };
  return { m, as, base, fault };
}

test("a frame is ready at the second access within the window, not at one, nor at two spread past it", () => {
  const { m, fault } = slowPages(4);
  const p = new Pghot(m, { windowMs: 1000 });
  p.recordAccess(fault(0, 0));
  p.recordAccess(fault(1, 0));
  p.recordAccess(fault(1, 0.5e9));
  p.recordAccess(fault(2, 0));
  p.recordAccess(fault(2, 1.5e9));
  assert.equal(p.stats.markedReady, 1);
  p.wake(2e9);
  assert.equal(p.stats.promotions, 1);
  assert.equal(m.frames.node[fault(1, 0).paddr / PAGE_SIZE], 0, "page 1 now on the fast node");
  assert.equal(m.frames.node[fault(0, 0).paddr / PAGE_SIZE], 1, "page 0 stays slow");
});

test("kmigrated promotes in batches and no faster than the rate limit", () => {
  const { m, fault } = slowPages(64);
  // 16 pages per second: 64 KiB/s.
  const p = new Pghot(m, { batchPages: 10, promoteRateLimitMBps: (16 * PAGE_SIZE) / MiB });
  for (let i = 0; i < 64; i++) {
    p.recordAccess(fault(i, 0));
    p.recordAccess(fault(i, 1));
  }
  assert.equal(p.stats.markedReady, 64);
  p.wake(1e9);
  assert.equal(p.stats.promotions, 10, "one batch per wake");
  p.wake(1.1e9);
  assert.equal(p.stats.promotions, 16, "the second's budget");
  assert.ok(p.stats.rateLimited > 0);
  p.wake(2.1e9);
  assert.equal(p.stats.promotions, 26);
});
