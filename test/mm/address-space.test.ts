import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, MMAP_THRESHOLD, PAGE_SIZE, type AccessStream, type VmaInfo } from "../../src/mm/index.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

/** The two largest gaps between consecutive VMAs, by address (what vaddr's three-regions picks). */
function twoBiggestGaps(vs: VmaInfo[]): { start: number; end: number }[] {
  const gaps = [];
  for (let i = 1; i < vs.length; i++) gaps.push({ start: vs[i - 1].end, end: vs[i].start });
  gaps.sort((a, b) => b.end - b.start - (a.end - a.start));
  return gaps.slice(0, 2).sort((a, b) => a.start - b.start);
}

function assertSorted(vs: VmaInfo[]): void {
  for (let i = 0; i < vs.length; i++) {
    assert.ok(vs[i].start < vs[i].end);
    assert.equal(vs[i].start % PAGE_SIZE, 0);
    if (i > 0) assert.ok(vs[i - 1].end <= vs[i].start, "sorted, no overlap");
  }
}

test("layout: heap low, mmap area below the libraries, stack on top, two big gaps between", () => {
  const m = new Machine();
  const as = m.createProcess("app");
  const small = as.malloc(1000);
  const big = as.malloc(10 * 2 ** 20);
  const vs = m.vmas(as.pid);
  assertSorted(vs);
  const heap = vs.find((v) => v.kind === "heap")!;
  assert.ok(small >= heap.start && small + 1000 <= heap.end, "small malloc on the brk heap");
  const bigVma = vs.find((v) => v.start <= big && big < v.end)!;
  assert.equal(bigVma.kind, "mmap", "big malloc is its own mmap");
  assert.equal(big - bigVma.start, 16, "after glibc's chunk header");
  const stack = vs[vs.length - 1];
  assert.equal(stack.kind, "stack");
  const [g1, g2] = twoBiggestGaps(vs);
  assert.equal(g1.start, heap.end, "first big gap: heap → mmap area");
  assert.equal(g1.end, bigVma.start);
  assert.equal(g2.end, stack.start, "second big gap: mmap area → stack");
  assert.ok(g2.end - g2.start >= 100 * 2 ** 20);
});

test("mmap grows down; munmap splits a VMA, frees its frames and drops TLB entries", () => {
  const m = new Machine({ tlb: { entries: 64, ways: 4 } });
  const as = m.createProcess("app");
  const a = as.mmap(8 * PAGE_SIZE);
  const b = as.mmap(8 * PAGE_SIZE);
  assert.equal(b + 8 * PAGE_SIZE, a, "top-down and adjacent");
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(
    th,
    Array.from({ length: 8 }, (_, i) => a + i * PAGE_SIZE),
  );
  const before = m.frames.allocatedFrames;
  const gen = as.layoutGen;
  as.munmap(a + 2 * PAGE_SIZE, 3 * PAGE_SIZE);
  assert.ok(as.layoutGen > gen);
  assert.equal(m.frames.allocatedFrames, before - 3);
  const vs = m.vmas(as.pid).filter((v) => v.start >= a && v.end <= a + 8 * PAGE_SIZE);
  assert.deepEqual(
    vs.map((v) => [v.start - a, v.end - a, v.residentBytes / PAGE_SIZE]),
    [
      [0, 2 * PAGE_SIZE, 2],
      [5 * PAGE_SIZE, 8 * PAGE_SIZE, 3],
    ],
  );
  assert.equal(m.cpus[0].tlb!.contains(as.asid, a / PAGE_SIZE + 3), false);
  assert.equal(m.translate(as.pid, a + 3 * PAGE_SIZE), -1);
  // Access to the hole is invalid; the rest still works with the same frames.
  const pa = m.translate(as.pid, a + 6 * PAGE_SIZE);
  m.runAccesses(th, [a + 3 * PAGE_SIZE, a + 6 * PAGE_SIZE]);
  assert.equal(th.invalidAccesses, 1);
  assert.equal(m.translate(as.pid, a + 6 * PAGE_SIZE), pa);
  // A new mapping reuses the hole only if it fits; the freed frames are reused.
  const c = as.mmap(3 * PAGE_SIZE);
  assert.equal(c, a + 2 * PAGE_SIZE, "top-down first fit fills the hole");
  m.runAccesses(th, [c]);
  assert.equal(m.frames.allocatedFrames, before - 2);
});

test("brk grows and shrinks the heap; shrinking frees frames", () => {
  const m = new Machine();
  const as = m.createProcess("app");
  const th = m.spawnThread(as, 0, idle);
  as.brk(as.heapStart + 10 * PAGE_SIZE);
  m.runAccesses(
    th,
    Array.from({ length: 10 }, (_, i) => as.heapStart + i * PAGE_SIZE),
  );
  assert.equal(m.frames.allocatedFrames, 10);
  as.brk(as.heapStart + 20 * PAGE_SIZE);
  m.runAccesses(th, [as.heapStart + 15 * PAGE_SIZE]);
  assert.equal(m.frames.allocatedFrames, 11);
  assert.notEqual(m.translate(as.pid, as.heapStart), -1, "growing keeps the old pages");
  as.brk(as.heapStart + 5 * PAGE_SIZE);
  assert.equal(m.frames.allocatedFrames, 5);
  const heap = m.vmas(as.pid).find((v) => v.kind === "heap")!;
  assert.equal(heap.end, as.heapStart + 5 * PAGE_SIZE);
  as.brk(as.heapStart);
  assert.equal(
    m.vmas(as.pid).find((v) => v.kind === "heap"),
    undefined,
  );
});

test("malloc below the mmap threshold stays on the heap; free unmaps big chunks", () => {
  const m = new Machine();
  const as = m.createProcess("app");
  const n0 = m.vmas(as.pid).length;
  const p = as.malloc(MMAP_THRESHOLD - 1);
  assert.equal(as.vmaAt(p)!.kind, "heap");
  const q = as.malloc(MMAP_THRESHOLD);
  assert.equal(as.vmaAt(q)!.kind, "mmap");
  assert.equal(m.vmas(as.pid).length, n0 + 2);
  as.free(q);
  assert.equal(m.vmas(as.pid).length, n0 + 1);
});

test("a 64 GiB mapping costs nothing until touched", () => {
  const m = new Machine();
  const as = m.createProcess("app");
  const big = as.mmap(64 * 2 ** 30);
  assert.equal(as.vmaAt(big)!.hasPages, false, "PTE chunks allocated lazily");
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [big + 32 * 2 ** 30]);
  assert.equal(m.frames.allocatedFrames, 1);
  assert.ok(m.frames.capacity < 2 ** 20, "frame table sized by frames used, not RAM");
});

test("process exit unmaps everything", () => {
  const m = new Machine();
  const as = m.createProcess("app");
  const th = m.spawnThread(as, 0, idle);
  const p = as.malloc(2 ** 20);
  m.runAccesses(th, [p, p + PAGE_SIZE]);
  m.exitProcess(as.pid);
  assert.equal(m.isAlive(as.pid), false);
  assert.equal(m.vmas(as.pid).length, 0);
  assert.equal(m.frames.allocatedFrames, 0);
  assert.equal(th.done, true);
});
