import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, type AccessStream } from "../../src/mm/index.js";
import { MMAP_MIN_ADDR, TEXT_START } from "../../src/mm/address-space.js";
import { CHUNK_PAGES, PTE_PRESENT, PTE_THP_ADVISED, THP_PAGES } from "../../src/mm/vma.js";
import { Rng } from "../../src/util/rng.js";
import { createContext } from "../../src/core/context.js";
import { Region, Target } from "../../src/core/region.js";
import { DamosActionExecutor } from "../../src/ops/damos-actions.js";
import { newScheme } from "../../src/schemes/scheme.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const GiB = 2 ** 30;
const TiB = 2 ** 40;
const CHUNK_BYTES = CHUNK_PAGES * PAGE_SIZE;

function setup(mapBytes: number, memBytes = 4 * GiB, tlb = true) {
  const m = new Machine({ nodes: [{ sizeBytes: memBytes }], ...(tlb ? {} : { tlb: false }) });
  const as = m.createProcess("app");
  const base = as.mmap(mapBytes);
  const th = m.spawnThread(as, 0, idle);
  return { m, as, base, th, v: as.vmaAt(base)! };
}

/** First 1 GiB-aligned address strictly inside [base, base + len). */
function firstBoundary(base: number): number {
  return (Math.floor(base / CHUNK_BYTES) + 1) * CHUNK_BYTES;
}

test("a VMA spanning chunks: pages on both sides of a 1 GiB boundary map to their own frames", () => {
  for (const tlb of [true, false]) {
    const { m, as, base, th, v } = setup(3 * GiB + 5 * PAGE_SIZE, 4 * GiB, tlb);
    const b = firstBoundary(base);
    const addrs = [base, b - PAGE_SIZE, b, b + PAGE_SIZE, b - PAGE_SIZE, b, v.end - PAGE_SIZE];
    m.runAccesses(th, addrs, [1, 1, 1, 1, 0, 0, 1]);
    const distinct = new Set(addrs);
    assert.equal(m.frames.allocatedFrames, distinct.size, `tlb ${tlb}: one frame per distinct page`);
    assert.equal(v.residentPages, distinct.size);
    const pas = new Set([...distinct].map((a) => m.translate(as.pid, a)));
    assert.equal(pas.size, distinct.size, "distinct physical pages");
    assert.ok(!pas.has(-1), "all present");
    // base's block, b's block, and the last page's block (the mapping spans at least 4 blocks).
    const blocks = new Set([...distinct].map((a) => Math.floor(a / CHUNK_BYTES)));
    assert.equal(v.nrChunks, blocks.size, "a chunk per touched 1 GiB block, none for the others");
    for (const c of v.chunksIn()) {
      assert.ok(c.startPage >= v.startPage && c.endPage <= v.endPage, "chunk inside the VMA");
      assert.ok(c.endPage - c.startPage <= CHUNK_PAGES);
      assert.equal(Math.floor(c.startPage / CHUNK_PAGES), Math.floor((c.endPage - 1) / CHUNK_PAGES));
    }
    assert.equal(m.pteFlags(as.pid, b + 2 * PAGE_SIZE) & PTE_PRESENT, 0, "untouched page not present");
  }
});

test("munmap across a chunk boundary frees exactly the pages inside and keeps the rest", () => {
  const { m, as, base, th } = setup(4 * GiB);
  const b = firstBoundary(base);
  const pages = [-3, -2, -1, 0, 1, 2].map((k) => b + k * PAGE_SIZE);
  const far = b + 2 * GiB;
  m.runAccesses(th, [base, ...pages, far]);
  const before = new Map([base, ...pages, far].map((a) => [a, m.translate(as.pid, a)]));
  as.munmap(b - 2 * PAGE_SIZE, 4 * PAGE_SIZE); // pages -2, -1, 0, 1
  assert.equal(m.frames.allocatedFrames, 4);
  for (const a of [base, b - 3 * PAGE_SIZE, b + 2 * PAGE_SIZE, far])
    assert.equal(m.translate(as.pid, a), before.get(a), `0x${a.toString(16)} kept its frame`);
  for (const a of [b - 2 * PAGE_SIZE, b + PAGE_SIZE]) assert.equal(as.vmaAt(a), null, "unmapped");
  const left = as.vmaAt(base)!;
  const right = as.vmaAt(far)!;
  assert.equal(left.residentPages, 2);
  assert.equal(right.residentPages, 2);
  assert.equal(right.nrChunks, 2, "the split copies only touched chunks");
  // Touching again after the split works through the new VMAs' chunks.
  m.runAccesses(th, [b + 3 * PAGE_SIZE, b - 4 * PAGE_SIZE]);
  assert.equal(m.frames.allocatedFrames, 6);
  as.munmap(base, 4 * GiB);
  assert.equal(m.frames.allocatedFrames, 0, "unmapping the rest frees everything");
});

test("a 16 TiB mapping (2^32 pages) works and untouched chunks cost nothing", () => {
  const { m, as, base, th, v } = setup(16 * TiB);
  assert.ok(v.nrPages >= 2 ** 32, "more pages than one typed array can index with the old +1 capacity");
  const addrs = [base, base + 8 * TiB + 12345, base + 16 * TiB - 1, base + 16 * TiB - PAGE_SIZE - 1];
  m.runAccesses(th, addrs, [1, 0, 1, 0]);
  assert.equal(m.frames.allocatedFrames, 4);
  assert.equal(v.nrChunks, 3, "three touched 1 GiB blocks");
  let slots = 0;
  for (const c of v.chunksIn()) slots += c.flags.length;
  assert.ok(slots <= 3 * CHUNK_PAGES, "host state for touched chunks only");
  for (const a of addrs) assert.ok(m.translate(as.pid, a) >= 0);
  assert.equal(m.translate(as.pid, base + 4 * TiB), -1);
  as.munmap(base + 8 * TiB, 8 * TiB);
  assert.equal(m.frames.allocatedFrames, 1, "munmap of 8 TiB walks touched chunks only");
  assert.equal(v.residentPages, 1);
});

test("brk growth and shrink across chunk boundaries: pages past a shrink read as not present", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * GiB }] });
  const as = m.createProcess("app");
  const th = m.spawnThread(as, 0, idle);
  as.brk(as.heapStart + 3 * GiB);
  const heap = as.vmaAt(as.heapStart)!;
  const b = firstBoundary(as.heapStart);
  m.runAccesses(th, [as.heapStart, b - PAGE_SIZE, b, b + GiB + PAGE_SIZE]);
  assert.equal(heap.residentPages, 4);
  as.brk(b + PAGE_SIZE); // keeps page b, drops b + 1 GiB + 4 KiB
  assert.equal(m.frames.allocatedFrames, 3);
  as.brk(as.heapStart + 3 * GiB);
  const heap2 = as.vmaAt(as.heapStart)!;
  assert.equal(m.pteFlags(as.pid, b + GiB + PAGE_SIZE) & PTE_PRESENT, 0, "released page stays released");
  m.runAccesses(th, [b + GiB + 2 * PAGE_SIZE, b + PAGE_SIZE]);
  assert.equal(m.frames.allocatedFrames, 5);
  assert.equal(heap2.residentPages, 5);
});

test("THP advice over a chunk boundary: each 2 MiB block faults huge inside its own chunk", () => {
  const { m, as, base, th, v } = setup(3 * GiB);
  const b = firstBoundary(base);
  assert.ok(m.madviseHugepage(as.pid, b - 2 * THP_PAGES * PAGE_SIZE, b + 2 * THP_PAGES * PAGE_SIZE, true));
  assert.equal(m.pteFlags(as.pid, b - PAGE_SIZE) & PTE_THP_ADVISED, PTE_THP_ADVISED);
  assert.equal(m.pteFlags(as.pid, b) & PTE_THP_ADVISED, PTE_THP_ADVISED);
  m.runAccesses(th, [b - PAGE_SIZE, b]);
  assert.equal(m.frames.allocatedFrames, 2 * THP_PAGES, "two huge pages");
  assert.equal(v.residentPages, 2 * THP_PAGES);
});

test("random accesses over a multi-chunk mapping: resident pages = distinct pages touched (seeds 1-4)", () => {
  for (const seed of [1, 2, 3, 4]) {
    const { m, as, base, th, v } = setup(6 * GiB + 7 * PAGE_SIZE, 8 * GiB);
    const rng = new Rng(seed);
    const addrs: number[] = [];
    const touched = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      // Half near chunk boundaries, half anywhere.
      const near = rng.randRange(0, 2) === 0;
      const page = near
        ? Math.floor(base / PAGE_SIZE / CHUNK_PAGES + 1 + rng.randRange(0, 6)) * CHUNK_PAGES +
          rng.randRange(-4, 4)
        : v.startPage + rng.randRange(0, v.nrPages);
      if (page < v.startPage || page >= v.endPage) continue;
      addrs.push(page * PAGE_SIZE + rng.randRange(0, PAGE_SIZE));
      touched.add(page);
    }
    m.runAccesses(th, addrs);
    assert.equal(v.residentPages, touched.size, `seed ${seed}`);
    assert.equal(m.frames.allocatedFrames, touched.size, `seed ${seed}`);
    const pfns = new Set<number>();
    for (const p of touched) pfns.add(m.translate(as.pid, p * PAGE_SIZE));
    assert.equal(pfns.size, touched.size, `seed ${seed}: injective`);
    assert.equal(th.invalidAccesses, 0);
  }
});

test("a 64 TiB mmap (no such gap above a PIE binary) goes below the binary; a 64 TiB node works", () => {
  const { m, as, base, th, v } = setup(64 * TiB, 64 * TiB);
  assert.ok(base + 64 * TiB <= TEXT_START && base >= MMAP_MIN_ADDR, "below the binary");
  m.runAccesses(th, [base, base + 63 * TiB, base + 32 * TiB]);
  assert.equal(m.frames.allocatedFrames, 3);
  assert.equal(v.nrChunks, 3);
  assert.ok(m.frames.capacity < 2 ** 20, "frame table sized by frames used, not RAM");
  assert.throws(
    () => as.mmap(64 * TiB),
    /mmap: no room for 64\.0 TiB: the largest free range of the process.s address space \(x86-64 user space is 128 TiB\) is 42\.7 TiB$/,
    "a second one does not fit anywhere",
  );
});

test("a NUMA node starting above 8 TiB of physical address is refused with a clear error", () => {
  assert.throws(
    () => new Machine({ nodes: [{ sizeBytes: 32 * TiB }, { sizeBytes: 32 * TiB }] }),
    /node 1 starts at 32.* TiB: nodes must start below 8 TiB/,
  );
  assert.doesNotThrow(() => new Machine({ nodes: [{ sizeBytes: 4 * TiB }, { sizeBytes: 60 * TiB }] }));
});

// A page walk over a terabyte range must cost what was touched: DAMOS's vaddr actions
// (pageout, cold, willneed, migrate, stat) walked every 4 KiB of a region, touched or
// not, and a pageout scheme over 4 TiB took minutes.
test("touchedRanges: only the touched chunks of a range, clipped to it, in address order", () => {
  const { m, as, base, th } = setup(64 * GiB);
  const b = firstBoundary(base);
  const addrs = [base, b + 3 * GiB + 5 * PAGE_SIZE, b + 40 * GiB];
  m.runAccesses(th, addrs);
  const ranges = as.touchedRanges(base, base + 64 * GiB);
  assert.equal(ranges.length, 3);
  for (let i = 0; i < 3; i++) {
    const [s, e] = ranges[i];
    assert.ok(s <= addrs[i] && addrs[i] < e, `range ${i} holds its touched page`);
    assert.ok(e - s <= CHUNK_BYTES);
    if (i > 0) assert.ok(s >= ranges[i - 1][1], "ascending, apart");
  }
  // Clipped to the asked range; nothing where nothing was touched.
  const mid = b + 3 * GiB + 5 * PAGE_SIZE;
  assert.deepEqual(as.touchedRanges(mid, mid + PAGE_SIZE), [[mid, mid + PAGE_SIZE]]);
  assert.deepEqual(as.touchedRanges(b + 5 * GiB, b + 6 * GiB), []);
  // DAMOS pageout over the whole 64 GiB region visits only the touched chunks' pages
  // (four million per TiB before), and pages out every touched one.
  let visited = 0;
  const pageout = m.pageoutVaddr.bind(m);
  m.pageoutVaddr = (pid, a, acct) => (visited++, pageout(pid, a, acct));
  const ex = new DamosActionExecutor(m, "vaddr");
  const res = ex.applyScheme(
    createContext({}),
    new Target(as.pid),
    new Region(base, base + 64 * GiB),
    newScheme({ action: "pageout" }),
  );
  assert.equal(res.applied, 64 * GiB, "the action covers the whole region");
  const touched = as.touchedRanges(base, base + 64 * GiB);
  assert.equal(touched.length, 3);
  assert.equal(
    visited,
    touched.reduce((t, [s, e]) => t + (e - s) / PAGE_SIZE, 0),
  );
  assert.ok(visited <= 3 * CHUNK_PAGES);
  assert.equal(m.frames.allocatedFrames, 0, "every touched page paged out");
});
