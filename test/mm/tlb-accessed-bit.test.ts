import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Machine, PAGE_SIZE, PTE_ACCESSED, type AccessStream, type SimThread } from "../../src/mm/index.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

function setup(tlb: boolean): { m: Machine; pid: number; base: number; th: SimThread } {
  const m = new Machine({ tlb: tlb ? { entries: 64, ways: 4 } : false, cpus: 2 });
  const as = m.createProcess("t");
  const base = as.mmap(64 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  return { m, pid: as.pid, base, th };
}

/** Touch pages [0, n) of the region once each. */
function touch(m: Machine, th: SimThread, base: number, n: number): void {
  m.runAccesses(
    th,
    Array.from({ length: n }, (_, i) => base + i * PAGE_SIZE),
  );
}

test("TLB on: mkold without flush leaves a hot page under-reported until its entry goes", () => {
  const { m, pid, base, th } = setup(true);
  touch(m, th, base, 4);
  for (let i = 0; i < 4; i++) assert.ok(m.youngVaddr(pid, base + i * PAGE_SIZE), "first touch is young");
  for (let i = 0; i < 4; i++) m.mkoldVaddr(pid, base + i * PAGE_SIZE);
  // The application keeps using the same pages; their translations are cached.
  touch(m, th, base, 4);
  touch(m, th, base, 4);
  for (let i = 0; i < 4; i++) {
    assert.equal(m.pteFlags(pid, base + i * PAGE_SIZE) & PTE_ACCESSED, 0, "a TLB hit does not set Accessed");
    assert.equal(m.youngVaddr(pid, base + i * PAGE_SIZE), false, "hot page reported idle");
  }
  // Flushing the page's translation: the next access walks and sets the bit again.
  m.flushTlbPage(pid, base);
  touch(m, th, base, 4);
  assert.equal(m.youngVaddr(pid, base), true, "flushed page seen again");
  assert.equal(m.youngVaddr(pid, base + PAGE_SIZE), false, "unflushed page still hidden");
});

test("TLB on: mkold with flush reports every access", () => {
  const { m, pid, base, th } = setup(true);
  touch(m, th, base, 4);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 4; i++) m.mkoldVaddr(pid, base + i * PAGE_SIZE, m.kdamondCost, true);
    touch(m, th, base, 4);
    for (let i = 0; i < 4; i++) assert.equal(m.youngVaddr(pid, base + i * PAGE_SIZE), true);
  }
  assert.ok(m.kdamondCost.tlbFlushes >= 12);
});

test("TLB on: eviction by other pages brings the Accessed bit back", () => {
  const { m, pid, base, th } = setup(true);
  touch(m, th, base, 1);
  m.mkoldVaddr(pid, base);
  // 64 other pages > a 64-entry TLB: page 0's entry is evicted (LRU).
  touch(m, th, base + PAGE_SIZE, 63);
  const as = m.process(pid);
  const more = as.mmap(64 * PAGE_SIZE);
  touch(m, th, more, 64);
  assert.equal(m.cpus[0].tlb!.contains(as.asid, base / PAGE_SIZE), false);
  touch(m, th, base, 1);
  assert.equal(m.youngVaddr(pid, base), true);
});

test("TLB on: another CPU's cached translation does not help this CPU", () => {
  const m = new Machine({ tlb: { entries: 64, ways: 4 }, cpus: 2 });
  const as = m.createProcess("t");
  const base = as.mmap(PAGE_SIZE);
  const t0 = m.spawnThread(as, 0, idle);
  const t1 = m.spawnThread(as, 1, idle);
  m.runAccesses(t0, [base]);
  m.mkoldVaddr(as.pid, base);
  m.runAccesses(t0, [base]);
  assert.equal(m.youngVaddr(as.pid, base), false);
  m.runAccesses(t1, [base]); // CPU 1 misses and walks
  assert.equal(m.youngVaddr(as.pid, base), true);
});

test("TLB off: every access sets the Accessed bit", () => {
  const { m, pid, base, th } = setup(false);
  touch(m, th, base, 4);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 4; i++) m.mkoldVaddr(pid, base + i * PAGE_SIZE);
    for (let i = 0; i < 4; i++)
      assert.equal(m.youngVaddr(pid, base + i * PAGE_SIZE), false, "idle after mkold");
    touch(m, th, base, 4);
    for (let i = 0; i < 4; i++) assert.equal(m.youngVaddr(pid, base + i * PAGE_SIZE), true);
  }
});

test("TLB miss walk cost is charged only when the TLB is on and misses", () => {
  const on = setup(true);
  touch(on.m, on.th, on.base, 4);
  const t1 = on.m.cpus[0].timeNs;
  touch(on.m, on.th, on.base, 4); // all hits now
  assert.equal(on.m.cpus[0].timeNs - t1, 4 * on.m.costs.localAccessNs);
  assert.equal(on.th.tlbMisses, 4);
  const off = setup(false);
  touch(off.m, off.th, off.base, 4);
  const t2 = off.m.cpus[0].timeNs;
  touch(off.m, off.th, off.base, 4);
  assert.equal(off.m.cpus[0].timeNs - t2, 4 * off.m.costs.localAccessNs);
  assert.equal(off.th.tlbMisses, 0);
});

/** A naive set-associative LRU TLB: the reference the fast inlined one must match. */
class RefTlb {
  readonly sets: number[][];
  hits = 0;
  misses = 0;
  constructor(
    private readonly nSets: number,
    private readonly ways: number,
  ) {
    this.sets = Array.from({ length: nSets }, () => []);
  }
  setOf(asid: number, vpn: number): number[] {
    return this.sets[((vpn >>> 0) ^ Math.imul(asid, 0x9e3779b1)) & (this.nSets - 1)];
  }
  access(asid: number, vpn: number): void {
    const set = this.setOf(asid, vpn);
    const tag = asid * 2 ** 36 + vpn;
    const i = set.indexOf(tag);
    if (i >= 0) {
      set.splice(i, 1);
      this.hits++;
    } else {
      if (set.length === this.ways) set.pop();
      this.misses++;
    }
    set.unshift(tag);
  }
  flushPage(asid: number, vpn: number): void {
    const set = this.setOf(asid, vpn);
    const i = set.indexOf(asid * 2 ** 36 + vpn);
    if (i >= 0) set.splice(i, 1);
  }
  flushAll(): void {
    for (const set of this.sets) set.length = 0;
  }
  flushAsid(asid: number): void {
    for (const set of this.sets) {
      for (let i = set.length - 1; i >= 0; i--) if (Math.floor(set[i] / 2 ** 36) === asid) set.splice(i, 1);
    }
  }
}

test("the TLB matches a naive LRU model on random accesses and page, process and whole flushes (two processes; 1 to 16 ways, odd and even; both loops)", () => {
  const op = fc.tuple(
    fc.integer({ min: 0, max: 9 }),
    fc.integer({ min: 0, max: 1 }),
    fc.integer({ min: 0, max: 300 }),
  );
  // The WebAssembly loop compares a set's tags two at a time, up to 8 pairs (tlb.ts).
  const geometries: [number, number][] = [
    [16, 4],
    [8, 1],
    [12, 3],
    [10, 5],
    [48, 12],
    [32, 16],
    [16, 16],
  ];
  for (const [entries, ways] of geometries)
    for (const loop of ["wasm", "js"] as const)
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 400, size: "max" }), (seq) => {
          const m = new Machine({ tlb: { entries, ways }, cpus: 1, loop });
          const procs = [m.createProcess("a"), m.createProcess("b")];
          const bases = procs.map((p) => p.mmap(301 * PAGE_SIZE));
          const ths = procs.map((p) => m.spawnThread(p, 0, idle));
          const tlb = m.cpus[0].tlb!;
          const ref = new RefTlb(entries / ways, ways);
          for (const [kind, p, page] of seq) {
            const vpn = bases[p] / PAGE_SIZE + page;
            if (kind === 0) {
              m.flushTlbPage(procs[p].pid, bases[p] + page * PAGE_SIZE);
              ref.flushPage(procs[p].asid, vpn);
            } else if (kind === 1 && page < 10) {
              tlb.flushAll(procs[p].asid);
              ref.flushAsid(procs[p].asid);
            } else if (kind === 2 && page < 40) {
              // Whole flush: every hint count is reset, every entry's hint slot forgotten.
              tlb.flushAll();
              ref.flushAll();
            } else if (kind === 3) {
              // A batch in one loop call: the loop's own state (the previous tag) carries over.
              const pages = [page, page, (page + 1) % 301, page, (page + 7) % 301];
              m.runAccesses(
                ths[p],
                pages.map((q) => bases[p] + q * PAGE_SIZE),
              );
              for (const q of pages) ref.access(procs[p].asid, bases[p] / PAGE_SIZE + q);
            } else {
              m.runAccesses(ths[p], [bases[p] + page * PAGE_SIZE]);
              ref.access(procs[p].asid, vpn);
            }
            assert.deepEqual(tlb.setOrder(procs[p].asid, vpn), ref.setOf(procs[p].asid, vpn));
          }
          assert.equal(tlb.misses, ref.misses);
          assert.equal(tlb.hits, ref.hits);
        }),
        { numRuns: 40, seed: 11 },
      );
});

test("periodic whole-TLB flushes (context switches) bound the under-reporting", () => {
  for (const every of [0, 10_000]) {
    const m = new Machine({ tlb: { entries: 64, ways: 4 }, cpus: 1, tlbFlushEveryNs: every });
    const as = m.createProcess("t");
    const base = as.mmap(4 * PAGE_SIZE);
    const th = m.spawnThread(as, 0, idle);
    const hot = Array.from({ length: 4 }, (_, i) => base + i * PAGE_SIZE);
    m.runAccesses(th, hot);
    m.mkoldVaddr(as.pid, base);
    // 20 µs of accesses in batches (each batch is one slice, as the driver runs them).
    for (let k = 0; k < 50; k++)
      m.runAccesses(th, [...hot, ...hot, ...hot, ...hot, ...hot, ...hot, ...hot, ...hot, ...hot, ...hot]);
    assert.equal(m.youngVaddr(as.pid, base), every > 0, `flush every ${every} ns`);
    assert.equal(m.cpus[0].tlbFlushes > 0, every > 0);
  }
});

test("after a whole flush, refilled entries still hit (hint counts follow the entries that were invalidated)", () => {
  const m = new Machine({ tlb: { entries: 16, ways: 4 }, cpus: 1 });
  const as = m.createProcess("t");
  const base = as.mmap(64 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  const tlb = m.cpus[0].tlb!;
  const touch = (from: number, to: number) => {
    for (let p = from; p < to; p++) m.runAccesses(th, [base + p * PAGE_SIZE]);
  };
  touch(0, 16);
  tlb.flushAll();
  assert.equal(tlb.occupancy, 0);
  // Pages 16..31 take the invalidated entries; then 0..15 replace them, and are hit on re-access.
  touch(16, 32);
  touch(0, 16);
  const hits = tlb.hits;
  touch(0, 16);
  assert.equal(tlb.hits - hits, 16);
  assert.equal(tlb.occupancy, 16);
});
