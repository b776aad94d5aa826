/**
 * Multi-level Accessed bits (docs/memory-model.md, "Page tables"): the page walk sets
 * the PGD, PUD and PMD entries' bits as well as the PTE's, on a TLB miss with the TLB
 * model on and on every access with it off; a TLB hit sets none.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, type AccessStream } from "../../src/mm/index.js";
import { CHUNK_PAGES, PTE_ACCESSED, THP_PAGES } from "../../src/mm/vma.js";
import { PUD_SLOT } from "../../src/mm/upper-accessed.js";
import { Rng } from "../../src/util/rng.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const GiB = 2 ** 30;
const CHUNK_BYTES = CHUNK_PAGES * PAGE_SIZE;

function setup(mapBytes: number, tlb: boolean) {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * GiB }], tlb: tlb ? { entries: 64, ways: 4 } : false });
  const as = m.createProcess("app");
  const base = as.mmap(mapBytes);
  const th = m.spawnThread(as, 0, idle);
  return { m, as, base, th };
}

const vpnOf = (a: number) => Math.floor(a / PAGE_SIZE);

/** Clears every upper bit of the address space (what a page-table scanner does). */
function clearUpper(as: ReturnType<Machine["createProcess"]>): void {
  as.upper.pgd.fill(0);
  for (const b of as.upper.blocks.values()) b.fill(0);
}

test("a walk sets every level; after a clear the next walk sets them again", () => {
  for (const tlb of [true, false]) {
    const { m, as, base, th } = setup(8 * 2 ** 20, tlb);
    assert.deepEqual(as.upper.bitsAt(vpnOf(base)), [0, 0, 0], "nothing walked yet");
    m.runAccesses(th, [base]);
    assert.deepEqual(as.upper.bitsAt(vpnOf(base)), [1, 1, 1], `tlb ${tlb}: first touch walks`);
    assert.ok(m.pteFlags(as.pid, base) & PTE_ACCESSED);
    clearUpper(as);
    // Another 2 MiB span under the same PUD: its PMD bit, the PUD and the PGD, not base's PMD.
    const other = base + 4 * 2 ** 20;
    m.runAccesses(th, [other]);
    assert.deepEqual(as.upper.bitsAt(vpnOf(other)), [1, 1, 1]);
    const sameBlock = Math.floor(vpnOf(base) / CHUNK_PAGES) === Math.floor(vpnOf(other) / CHUNK_PAGES);
    const [, pud, pmd] = as.upper.bitsAt(vpnOf(base));
    assert.equal(pmd, 0, "base's PMD was not walked");
    assert.equal(pud, sameBlock ? 1 : 0);
  }
});

test("a TLB hit sets no level; TLB off, every access does", () => {
  for (const tlb of [true, false]) {
    const { m, as, base, th } = setup(8 * 2 ** 20, tlb);
    m.runAccesses(th, [base, base + PAGE_SIZE]);
    clearUpper(as);
    m.runAccesses(th, [base, base + PAGE_SIZE, base]);
    const want = tlb ? [0, 0, 0] : [1, 1, 1];
    assert.deepEqual(as.upper.bitsAt(vpnOf(base)), want, `tlb ${tlb}`);
    // A flush makes the next access walk again.
    if (tlb) {
      m.flushTlbPage(as.pid, base);
      m.runAccesses(th, [base]);
      assert.deepEqual(as.upper.bitsAt(vpnOf(base)), [1, 1, 1]);
    }
  }
});

test("chunk boundaries: each 1 GiB block has its own PUD bit and PMD table", () => {
  for (const tlb of [true, false]) {
    const { m, as, base, th } = setup(3 * GiB, tlb);
    const b = (Math.floor(base / CHUNK_BYTES) + 1) * CHUNK_BYTES;
    m.runAccesses(th, [b - PAGE_SIZE]);
    clearUpper(as);
    m.runAccesses(th, [b]);
    assert.deepEqual(as.upper.bitsAt(vpnOf(b)), [1, 1, 1]);
    const [, pud, pmd] = as.upper.bitsAt(vpnOf(b - PAGE_SIZE));
    assert.equal(pud, 0, "the block below the boundary was not walked");
    assert.equal(pmd, 0);
    // The last PMD of the lower block and the first of the upper one are different entries.
    m.runAccesses(th, [b - PAGE_SIZE]);
    const low = as.upper.blocks.get(Math.floor(vpnOf(b - PAGE_SIZE) / CHUNK_PAGES))!;
    const high = as.upper.blocks.get(Math.floor(vpnOf(b) / CHUNK_PAGES))!;
    assert.equal(low[511], tlb ? 0 : 1, "TLB on: the translation was still cached");
    assert.equal(high[0], 1);
    assert.equal(low[PUD_SLOT], tlb ? 0 : 1);
  }
});

test("two VMAs in one 1 GiB block share its PMD table and PUD bit", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * GiB }], tlb: false });
  const as = m.createProcess("app");
  const a = as.mmap(2 * 2 ** 20);
  const b = as.mmap(2 * 2 ** 20);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [a, b]);
  assert.equal(Math.floor(vpnOf(a) / CHUNK_PAGES), Math.floor(vpnOf(b) / CHUNK_PAGES), "layout: one block");
  assert.notEqual(as.vmaAt(a), as.vmaAt(b));
  assert.equal(as.vmaAt(a)!.chunkOf(vpnOf(a))!.pt, as.vmaAt(b)!.chunkOf(vpnOf(b))!.pt);
  assert.deepEqual(as.upper.bitsAt(vpnOf(a)), [1, 1, 1]);
  assert.deepEqual(as.upper.bitsAt(vpnOf(b)), [1, 1, 1]);
});

test("THP: the PMD is the leaf; mkold clears its bit and the next walk sets it", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * GiB }], tlb: { entries: 64, ways: 4 } });
  const as = m.createProcess("app");
  const base = as.mmap(8 * 2 ** 20);
  const th = m.spawnThread(as, 0, idle);
  const head = Math.ceil(base / (THP_PAGES * PAGE_SIZE)) * THP_PAGES * PAGE_SIZE;
  m.madviseHugepage(as.pid, base, base + 8 * 2 ** 20, true);
  m.runAccesses(th, [head + 5 * PAGE_SIZE]);
  assert.equal(m.folioBytes(m.frameOf(as.pid, head)), THP_PAGES * PAGE_SIZE, "a huge page");
  assert.equal(as.upper.bitsAt(vpnOf(head))[2], 1);
  m.mkoldVaddr(as.pid, head + 100 * PAGE_SIZE, m.kdamondCost, true);
  assert.equal(as.upper.bitsAt(vpnOf(head))[2], 0, "damon_pmdp_mkold clears the PMD leaf's bit");
  assert.equal(m.youngVaddr(as.pid, head), false);
  m.flushTlbAll();
  m.runAccesses(th, [head + 7 * PAGE_SIZE]);
  assert.equal(as.upper.bitsAt(vpnOf(head))[2], 1);
  assert.equal(m.youngVaddr(as.pid, head), true);
});

test("munmap frees the page tables it covers: their bits go", () => {
  const { m, as, base, th } = setup(2 * GiB, false);
  m.runAccesses(th, [base, base + GiB]);
  as.munmap(base, 2 * GiB);
  assert.deepEqual(as.upper.bitsAt(vpnOf(base + GiB)), [0, 0, 0]);
  // A whole 2 MiB span unmapped loses its PMD bit; a partly unmapped one keeps it.
  const p = as.mmap(8 * 2 ** 20);
  const span = Math.ceil(p / 2 ** 21) * 2 ** 21;
  assert.ok(span + 4 * 2 ** 20 <= p + 8 * 2 ** 20);
  m.runAccesses(th, [span, span + 2 ** 21 + PAGE_SIZE]);
  assert.equal(as.upper.bitsAt(vpnOf(span))[2], 1);
  as.munmap(span, 2 ** 21);
  as.munmap(span + 2 ** 21, PAGE_SIZE);
  assert.equal(as.upper.bitsAt(vpnOf(span))[2], 0, "whole span: its PTE table is freed");
  assert.equal(as.upper.bitsAt(vpnOf(span + 2 ** 21))[2], 1, "part of a span: the table stays");
});

test("invariant across seeds: after random accesses, every PTE with Accessed set lies under set upper bits", () => {
  for (const seed of [1, 2, 3, 4]) {
    for (const tlb of [true, false]) {
      const { m, as, base, th } = setup(3 * GiB, tlb);
      const rng = new Rng(seed);
      const pages = 3 * CHUNK_PAGES;
      const addrs: number[] = [];
      for (let i = 0; i < 2000; i++) addrs.push(base + rng.randRange(0, pages) * PAGE_SIZE);
      m.runAccesses(th, addrs.slice(0, 1000));
      clearUpper(as);
      for (const a of addrs) m.mkoldVaddr(as.pid, a);
      m.runAccesses(th, addrs.slice(1000));
      for (const a of addrs) {
        if (m.pteFlags(as.pid, a) & PTE_ACCESSED) {
          assert.deepEqual(as.upper.bitsAt(vpnOf(a)), [1, 1, 1], `seed ${seed} tlb ${tlb}: walked page ${a}`);
        }
      }
    }
  }
});
