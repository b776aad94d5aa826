import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, type AccessStream } from "../../src/mm/index.js";
import type { AddressSpace } from "../../src/mm/address-space.js";
import type { SimThread } from "../../src/mm/sim-cpu.js";
import { CHUNK_PAGES, PTE_PRESENT, THP_PAGES } from "../../src/mm/vma.js";
import { VMA_CACHE_SLOTS } from "../../src/mm/vma-cache.js";
import { Rng } from "../../src/util/rng.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const CHUNK_BYTES = CHUNK_PAGES * PAGE_SIZE;
const MAPPINGS = VMA_CACHE_SLOTS + 3;
const MAP_BYTES = 4 * THP_PAGES * PAGE_SIZE;

interface World {
  m: Machine;
  as: AddressSpace;
  th: SimThread;
  bases: number[];
}

/**
 * More mappings than the cache has slots, one of them across a 1 GiB boundary (two
 * chunks), one advised for THP (huge faults on the slow path), in little memory so
 * that reclaim and swap-ins happen too.
 */
function world(tlb: boolean, memPages: number): World {
  const m = new Machine({ nodes: [{ sizeBytes: memPages * PAGE_SIZE }], ...(tlb ? {} : { tlb: false }) });
  const as = m.createProcess("app");
  const bases: number[] = [];
  for (let k = 0; k < MAPPINGS; k++) bases.push(as.mmap(MAP_BYTES));
  const cross = as.mmapFixed(8 * CHUNK_BYTES - MAP_BYTES / 2, MAP_BYTES);
  bases.push(cross);
  assert.ok(m.madviseHugepage(as.pid, bases[1], bases[1] + MAP_BYTES, true));
  const th = m.spawnThread(as, 0, idle);
  return { m, as, th, bases };
}

/** Bursts of 1–4 accesses to one mapping, then another, chosen at random; a few unmapped addresses. */
function accesses(w: World, seed: number, n: number): { addrs: Float64Array; writes: Uint8Array } {
  const rng = new Rng(seed);
  const addrs = new Float64Array(n);
  const writes = new Uint8Array(n);
  for (let i = 0; i < n;) {
    const b = rng.randRange(0, 50) === 0 ? 0x1000 : w.bases[rng.randRange(0, w.bases.length)];
    for (let r = 1 + rng.randRange(0, 4); r > 0 && i < n; r--, i++) {
      addrs[i] = b + rng.randRange(0, MAP_BYTES / PAGE_SIZE) * PAGE_SIZE + rng.randRange(0, PAGE_SIZE);
      writes[i] = rng.randRange(0, 2);
    }
  }
  return { addrs, writes };
}

/** Everything the access path leaves behind that the cache could get wrong. */
function state(w: World): unknown {
  const pages: number[] = [];
  for (const b of w.bases) {
    for (let a = b; a < b + MAP_BYTES; a += PAGE_SIZE) {
      pages.push(w.m.pteFlags(w.as.pid, a), w.m.translate(w.as.pid, a));
      const [pgd, pud, pmd] = w.as.upper.bitsAt(a / PAGE_SIZE);
      pages.push(pgd, pud, pmd);
    }
  }
  const t = w.th;
  return {
    pages,
    time: t.cpu.timeNs,
    counts: [t.accesses, t.invalidAccesses, t.tlbMisses, t.minorFaults, t.majorFaults, t.runNs],
  };
}

void test("VMA cache: a batch over more mappings than slots equals one access per call with the cache dropped", () => {
  for (const tlb of [true, false]) {
    for (const seed of [1, 2, 3]) {
      // 96 pages of memory for up to 7 × 32 + 32 touched pages: reclaim runs.
      const a = world(tlb, 96);
      const b = world(tlb, 96);
      const { addrs, writes } = accesses(a, seed, 20000);
      a.m.exec(a.th, addrs, writes, 0, addrs.length);
      for (let i = 0; i < addrs.length; i++) {
        // A layout generation bump drops b's cache: every access looks its mapping up.
        b.as.layoutGen++;
        b.m.exec(b.th, addrs, writes, i, i + 1);
      }
      assert.deepEqual(state(a), state(b), `tlb ${tlb} seed ${seed}`);
      assert.ok(a.th.invalidAccesses > 0 && a.th.majorFaults > 0 && a.th.minorFaults > 0, "paths covered");
      assert.equal(a.th.accesses + a.th.invalidAccesses, addrs.length);
    }
  }
});

void test("VMA cache: a mapping unmapped and mapped again at the same address is not served from the stale chunk", () => {
  for (const tlb of [true, false]) {
    const w = world(tlb, 4096);
    const [x, y] = w.bases;
    w.m.runAccesses(w.th, [x, y, x + PAGE_SIZE, y], [1, 0, 1, 0]);
    const old = w.as.vmaAt(x)!;
    assert.equal(old.residentPages, 2);
    w.as.munmap(x, MAP_BYTES);
    // Unmapped: an access there is invalid, not served by the cached chunk.
    w.m.runAccesses(w.th, [y, x, y]);
    assert.equal(w.th.invalidAccesses, 1, `tlb ${tlb}`);
    assert.equal(w.as.mmapFixed(x, MAP_BYTES), x);
    w.m.runAccesses(w.th, [y, x, y, x + PAGE_SIZE]);
    const fresh = w.as.vmaAt(x)!;
    assert.notEqual(fresh, old);
    assert.equal(fresh.residentPages, 2, "the new mapping's pages were faulted in");
    assert.equal(old.residentPages, 0, "the old mapping's chunk was not touched again");
    assert.equal(w.m.pteFlags(w.as.pid, x) & PTE_PRESENT, PTE_PRESENT);
    assert.equal(w.th.invalidAccesses, 1);
  }
});

void test("VMA cache: heap growth between calls is seen by a cached heap chunk", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 4096 * PAGE_SIZE }] });
  const as = m.createProcess("app");
  const w = { m, as, th: m.spawnThread(as, 0, idle), bases: [as.mmap(MAP_BYTES)] };
  const heap = w.as.heapStart;
  w.as.brk(heap + PAGE_SIZE);
  w.m.runAccesses(w.th, [heap, w.bases[0], heap]);
  // Beyond the break: invalid. After growth: the same cached chunk, now longer.
  w.m.runAccesses(w.th, [heap + 8 * PAGE_SIZE]);
  assert.equal(w.th.invalidAccesses, 1);
  w.as.brk(heap + 64 * PAGE_SIZE);
  w.m.runAccesses(w.th, [heap, w.bases[0], heap + 40 * PAGE_SIZE, heap + 63 * PAGE_SIZE]);
  assert.equal(w.th.invalidAccesses, 1);
  assert.equal(w.as.vmaAt(heap)!.residentPages, 3);
});

void test("VMA cache: only the chunks walked under in a call get their PUD and PGD Accessed bits", () => {
  const w = world(true, 4096);
  const near = w.bases[0];
  const far = w.bases[w.bases.length - 1] + MAP_BYTES / 2; // the mapping's chunk past the 1 GiB boundary
  assert.notEqual(Math.floor(near / CHUNK_BYTES), Math.floor(far / CHUNK_BYTES));
  w.m.runAccesses(w.th, [near, far, near, far]);
  const bits = (a: number) => w.as.upper.bitsAt(a / PAGE_SIZE);
  assert.deepEqual(bits(near).slice(1), [1, 1]);
  assert.deepEqual(bits(far).slice(1), [1, 1]);
  // Clear the PUD bits; then `near` is served from the TLB (no walk) and `far + page` misses.
  for (const a of [near, far]) w.as.upper.blocks.get(Math.floor(a / CHUNK_BYTES))![512] = 0;
  w.m.runAccesses(w.th, [near, far + PAGE_SIZE, near, far + PAGE_SIZE]);
  assert.equal(bits(near)[1], 0, "no walk under near's chunk");
  assert.equal(bits(far)[1], 1, "a walk under far's chunk");
});

void test("VMA cache: a switch to a chunk in another 1 GiB block sets that block's PMD bit, at the same PMD index too", () => {
  const w = world(false, 4096);
  const near = w.bases[0];
  // The same offset in the block 4 GiB lower: the same PMD index in another PMD table.
  const twin = w.as.mmapFixed(near - 4 * CHUNK_BYTES, MAP_BYTES);
  w.m.runAccesses(w.th, [near, twin]);
  const block = (a: number) => w.as.upper.blocks.get(Math.floor(a / CHUNK_BYTES))!;
  const pmd = (a: number) => Math.floor(a / PAGE_SIZE / 512) % 512;
  assert.equal(pmd(near), pmd(twin));
  block(near)[pmd(near)] = 0;
  block(twin)[pmd(twin)] = 0;
  w.m.runAccesses(w.th, [near, twin]);
  assert.equal(block(near)[pmd(near)], 1);
  assert.equal(block(twin)[pmd(twin)], 1);
});
