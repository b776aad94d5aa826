import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { FRAME_ACTIVE, FRAME_LRU, FRAME_THP, FrameTable } from "../../src/mm/frames.js";
import { LruLists } from "../../src/mm/lru.js";
import { PAGE_SIZE, PTE_PRESENT, PTE_SWAPPED, THP_PAGES } from "../../src/mm/vma.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

function setup(pages: number, opts: ConstructorParameters<typeof Machine>[0] = {}) {
  const m = new Machine({ nodes: [{ sizeBytes: pages * PAGE_SIZE }], tlb: false, cpus: 1, ...opts });
  const as = m.createProcess();
  const th = m.spawnThread(as, 0, idle);
  return { m, as, th };
}

const range = (base: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => base + (from + i) * PAGE_SIZE);

test("LRU lists match a naive model under random adds, moves and removes", () => {
  fc.assert(
    fc.property(
      // size "max": fast-check's default size makes arrays of about 10 whatever maxLength says.
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 15 }), fc.boolean()), {
        maxLength: 200,
        size: "max",
      }),
      (ops) => {
        const ft = new FrameTable([{ sizeBytes: 64 * PAGE_SIZE }]);
        const lru = new LruLists(ft);
        const model: number[][] = [[], []]; // [inactive, active], head first
        for (const [op, k, active] of ops) {
          const pfn = 256 + k; // inside node 0's first range
          const on = model[0].includes(pfn) || model[1].includes(pfn);
          const drop = () => {
            for (const l of model) if (l.includes(pfn)) l.splice(l.indexOf(pfn), 1);
          };
          if (op === 0 && !on) {
            lru.add(pfn, active);
            model[active ? 1 : 0].unshift(pfn);
          } else if (op === 1 && on) {
            lru.remove(pfn);
            drop();
          } else if (op === 2 && on) {
            lru.move(pfn, active);
            drop();
            model[active ? 1 : 0].unshift(pfn);
          } else if (op === 3 && on) {
            lru.move(pfn, active, true);
            drop();
            model[active ? 1 : 0].push(pfn);
          }
        }
        for (const a of [false, true]) {
          const l = model[a ? 1 : 0];
          assert.equal(lru.pages(0, a), l.length);
          // Walk from the tail towards the head.
          const walked: number[] = [];
          for (let p = lru.tailOf(0, a); p >= 0; p = lru.prevOf(p)) walked.unshift(p);
          assert.deepEqual(walked, l);
          for (const p of l) {
            assert.ok(ft.flags[p] & FRAME_LRU);
            assert.equal((ft.flags[p] & FRAME_ACTIVE) !== 0, a);
          }
        }
      },
    ),
  );
});

test("a process bigger than memory runs: reclaim swaps out, refaults come back as major faults", () => {
  const { m, as, th } = setup(256);
  const base = as.mmap(400 * PAGE_SIZE);
  m.runAccesses(th, range(base, 0, 400));
  assert.ok(m.frames.allocatedFrames <= 256);
  assert.ok(m.mem.swapOuts > 0, "something was swapped out");
  assert.equal(m.mem.swapUsedPages, m.mem.swapOuts - m.mem.swapIns);
  const v = as.vmaAt(base)!;
  let swapped = 0;
  for (let i = 0; i < 400; i++) if (v.flagAt(i) & PTE_SWAPPED) swapped++;
  assert.equal(swapped, m.mem.swapUsedPages);
  assert.equal(v.residentPages + swapped, 400);
  // Touch everything again: swapped pages come back via major faults and stall.
  const before = th.majorFaults;
  m.runAccesses(th, range(base, 0, 400));
  assert.ok(th.majorFaults > before);
  assert.equal(th.majorFaults, m.mem.swapIns);
  assert.ok(m.mem.stallNs >= th.majorFaults * (m.costs.swapInNs + m.costs.majorFaultNs));
  assert.equal(m.frames.allocatedFrames, v.residentPages);
});

test("reclaim evicts pages nobody references before ones in use (second chance)", () => {
  const { m, as, th } = setup(512);
  const base = as.mmap(600 * PAGE_SIZE);
  // 100 hot pages, touched between every batch of cold first touches.
  const hot = range(base, 0, 100);
  for (let c = 100; c < 600; c += 50) {
    m.runAccesses(th, hot);
    m.runAccesses(th, range(base, c, c + 50));
  }
  const v = as.vmaAt(base)!;
  let hotOut = 0;
  let coldOut = 0;
  for (let i = 0; i < 600; i++) {
    if (!(v.flagAt(i) & PTE_SWAPPED)) continue;
    if (i < 100) hotOut++;
    else coldOut++;
  }
  assert.ok(coldOut > 0);
  assert.equal(hotOut, 0, `hot pages evicted: ${hotOut} (cold: ${coldOut})`);
});

test("kswapd keeps free memory above the low watermark once it ran; disk swap is slower", () => {
  for (const swap of ["zswap", "disk"] as const) {
    const { m, as, th } = setup(1024, { swap });
    const base = as.mmap(1200 * PAGE_SIZE);
    m.runAccesses(th, range(base, 0, 1200));
    assert.ok(m.mem.kswapdRuns > 0);
    assert.ok(m.nodeFreeFrames(0) >= m.wmarkMin[0]);
    assert.equal(m.costs.swapInNs, swap === "disk" ? 100_000 : 5000);
  }
});

test("THP: a fault in an advised 2 MiB block maps the whole block; nohugepage goes back to 4 KiB", () => {
  const { m, as, th } = setup(4096);
  const base = as.mmap(8 * 2 ** 20);
  const aligned = Math.ceil(base / 2 ** 21) * 2 ** 21;
  assert.ok(m.madviseHugepage(as.pid, base, base + 8 * 2 ** 20, true));
  m.runAccesses(th, [aligned + 5 * PAGE_SIZE]);
  const v = as.vmaAt(aligned)!;
  assert.equal(v.residentPages, THP_PAGES, "one touch, 2 MiB resident: the waste of a partly used huge page");
  const pfn = m.frameOf(as.pid, aligned);
  assert.ok(m.frames.flags[pfn] & FRAME_THP);
  assert.equal(m.folioBytes(pfn), 2 * 2 ** 20);
  m.madviseHugepage(as.pid, base, base + 8 * 2 ** 20, false);
  m.runAccesses(th, [aligned + 2 ** 21 + 7 * PAGE_SIZE]);
  assert.equal(v.residentPages, THP_PAGES + 1);
  assert.equal(m.folioBytes(m.frameOf(as.pid, aligned + 2 ** 21 + 7 * PAGE_SIZE)), PAGE_SIZE);
});

test("migration keeps LRU membership and the active bit; unmap frees swap slots", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 2 ** 24 }, { sizeBytes: 2 ** 24 }], tlb: false, cpus: 1 });
  const as = m.createProcess();
  const th = m.spawnThread(as, 0, idle);
  const base = as.mmap(16 * PAGE_SIZE);
  m.runAccesses(th, range(base, 0, 16));
  const pfn = m.frameOf(as.pid, base);
  m.setLruActive(pfn, true);
  assert.ok(m.migratePage(as.pid, base, 1));
  const np = m.frameOf(as.pid, base);
  assert.equal(m.frames.node[np], 1);
  assert.ok(m.frames.flags[np] & FRAME_ACTIVE);
  assert.equal(m.lru.pages(1, true), 1);
  assert.equal(m.lru.pages(0, true) + m.lru.pages(0, false), 15);
  assert.ok(m.pageoutVaddr(as.pid, base + PAGE_SIZE));
  assert.equal(m.mem.swapUsedPages, 1);
  as.munmap(base, 16 * PAGE_SIZE);
  assert.equal(m.mem.swapUsedPages, 0);
  assert.equal(m.lru.total(true) + m.lru.total(false), 0);
  assert.equal(m.frames.allocatedFrames, 0);
});

test("memcgs: ids by path, per-node usage", () => {
  const { m, as, th } = setup(1024);
  assert.equal(m.memcgId("/"), 1);
  assert.equal(m.memcgId("/a"), -1);
  const id = m.setMemcg(as.pid, "/a/");
  assert.equal(m.memcgId("a"), id);
  const base = as.mmap(10 * PAGE_SIZE);
  m.runAccesses(th, range(base, 0, 10));
  assert.equal(m.memcgNodePages(id, 0), 10);
  assert.equal(m.memcgNodePages(1, 0), 0);
  assert.equal(m.pteFlags(as.pid, base) & PTE_PRESENT, PTE_PRESENT);
});
