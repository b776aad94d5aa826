/**
 * Each CPU's access loops are bound to the machine's arrays (cpu-loops.ts): when
 * the frame table and the truth's per-frame arrays grow, the loops must follow
 * them, or the accesses after the growth land in the old arrays.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE } from "../../src/mm/index.js";
import { GroundTruth } from "../../src/truth/index.js";

/** Touches `pages` pages of a fresh mapping one after another, `rounds` times, on CPU 0. */
function touchMany(tlb: boolean, pages: number, rounds: number) {
  const m = new Machine({ nodes: [{ sizeBytes: 2 * 2 ** 30 }], ...(tlb ? {} : { tlb: false }) });
  const gt = new GroundTruth({ sampleNs: 5e6, aggrNs: 50e6 });
  m.attachTruth(gt);
  const as = m.createProcess("app");
  const base = as.malloc(pages * PAGE_SIZE);
  const th = m.spawnThread(as, 0, { fill: () => 0, finished: true, resumeNs: 0 });
  const first = { node: m.frames.node, clr: m.clrStamp, tS: gt.sampleStamp, tC: gt.count };
  const n = 4096;
  const addrs = new Float64Array(n);
  const writes = new Uint8Array(n);
  for (let round = 0; round < rounds; round++) {
    for (let p0 = 0; p0 < pages; p0 += n) {
      const k = Math.min(n, pages - p0);
      for (let j = 0; j < k; j++) {
        addrs[j] = base + (p0 + j) * PAGE_SIZE + 8 * (j & 63);
        writes[j] = j & 1;
      }
      assert.equal(m.exec(th, addrs, writes, 0, k), k);
    }
  }
  return { m, gt, as, base, first };
}

for (const tlb of [true, false]) {
  void test(`the loops follow the frame table and truth arrays as they grow (TLB ${tlb ? "on" : "off"})`, () => {
    // 100 000 pages: past the 65 536 frames the per-frame arrays start with.
    const pages = 100_000;
    const rounds = 2;
    const { m, gt, as, base, first } = touchMany(tlb, pages, rounds);
    assert.notEqual(m.frames.node, first.node);
    // The blind-spot stamps exist with the TLB model only.
    if (tlb) assert.notEqual(m.clrStamp, first.clr);
    assert.notEqual(gt.sampleStamp, first.tS);
    assert.notEqual(gt.count, first.tC);
    const b = m.cpus[0].loops!.binding;
    assert.equal(b.frameNode, m.frames.node);
    assert.equal(b.clrStamp, m.clrStamp);
    assert.equal(b.tS, gt.sampleStamp);
    assert.equal(b.tW, gt.winStamp);
    assert.equal(b.tP, gt.positive);
    assert.equal(b.tC, gt.count);
    // No window closed (no agent ran): every access is in the current arrays, each
    // page's frame counted once per round.
    let sum = 0;
    for (let p = 0; p < pages; p++) {
      const pfn = Math.floor(m.translate(as.pid, base + p * PAGE_SIZE) / PAGE_SIZE);
      assert.ok(pfn >= 0, `page ${p} is mapped`);
      assert.equal(gt.count[pfn], rounds, `page ${p}`);
      sum += gt.count[pfn];
    }
    assert.equal(sum, pages * rounds);
    assert.equal(m.totalAccesses(), pages * rounds);
  });
}
