import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_COSTS,
  FRAME_IDLE,
  FRAME_YOUNG,
  Machine,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  type AccessStream,
} from "../../src/mm/index.js";
import { GroundTruth } from "../../src/truth/index.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

test("first touch is a minor fault on the CPU's node, charged to that CPU, once per page", () => {
  const m = new Machine({
    nodes: [{ sizeBytes: 2 ** 30 }, { sizeBytes: 2 ** 30 }],
    cpus: [0, 1],
    tlb: false,
  });
  const as = m.createProcess("t");
  const base = as.mmap(4 * PAGE_SIZE);
  const th = m.spawnThread(as, 1, idle);
  assert.equal(m.translate(as.pid, base), -1);
  m.runAccesses(th, [base, base + 8, base + PAGE_SIZE]);
  assert.equal(th.minorFaults, 2);
  assert.equal(th.accesses, 3);
  const c = m.costs;
  assert.equal(m.cpus[1].timeNs, 2 * c.minorFaultNs + 3 * c.localAccessNs);
  assert.equal(m.cpus[0].timeNs, 0);
  const pa = m.translate(as.pid, base + 8);
  assert.ok(pa > 0);
  assert.equal(pa % PAGE_SIZE, 8);
  const pfn = Math.floor(pa / PAGE_SIZE);
  assert.equal(m.frames.node[pfn], 1, "frame on the faulting CPU's node");
  assert.equal(m.frames.rmapAsid[pfn], as.asid + 1);
  assert.equal(m.frames.rmapVpn[pfn], base / PAGE_SIZE);
  assert.equal(m.vmas(as.pid).find((v) => v.start === base)!.residentBytes, 2 * PAGE_SIZE);
});

test("accesses set Accessed, writes set Dirty; outside every VMA counts as invalid", () => {
  const m = new Machine({ tlb: false });
  const as = m.createProcess("t");
  const base = as.mmap(2 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base, base + PAGE_SIZE, 0x1000], [0, 1, 0]);
  assert.equal(m.pteFlags(as.pid, base), PTE_PRESENT | PTE_ACCESSED);
  assert.equal(m.pteFlags(as.pid, base + PAGE_SIZE), PTE_PRESENT | PTE_ACCESSED | PTE_DIRTY);
  assert.equal(th.invalidAccesses, 1);
  assert.equal(th.accesses, 2);
});

test("remote node access costs the remote extra; a slow-tier node its own latency", () => {
  const m = new Machine({
    nodes: [{ sizeBytes: 2 ** 30 }, { sizeBytes: 2 ** 30, accessNs: 40 }],
    cpus: [0, 1],
    tlb: false,
  });
  assert.equal(m.latency[0 * 2 + 0], DEFAULT_COSTS.localAccessNs);
  assert.equal(m.latency[0 * 2 + 1], 40 + DEFAULT_COSTS.remoteAccessExtraNs);
  assert.equal(m.latency[1 * 2 + 1], 40);
  assert.equal(m.latency[1 * 2 + 0], DEFAULT_COSTS.localAccessNs + DEFAULT_COSTS.remoteAccessExtraNs);
});

test("vaddr mkold/young follow PG_idle / PG_young (spec §5.2) and charge the kdamond", () => {
  const m = new Machine({ tlb: false });
  const as = m.createProcess("t");
  const base = as.mmap(2 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base]);
  const pfn = Math.floor(m.translate(as.pid, base) / PAGE_SIZE);
  assert.equal(m.frames.flags[pfn] & FRAME_IDLE, 0);
  assert.equal(m.youngVaddr(as.pid, base), true, "fresh page: not idle");
  m.mkoldVaddr(as.pid, base);
  assert.ok(m.frames.flags[pfn] & FRAME_IDLE);
  assert.ok(m.frames.flags[pfn] & FRAME_YOUNG, "Accessed was set, so PG_young keeps the reference");
  assert.equal(m.pteFlags(as.pid, base) & PTE_ACCESSED, 0);
  assert.equal(m.youngVaddr(as.pid, base), false);
  // Not-present and unmapped addresses: no-op / not accessed.
  m.mkoldVaddr(as.pid, base + PAGE_SIZE);
  assert.equal(m.youngVaddr(as.pid, base + PAGE_SIZE), false);
  assert.equal(m.youngVaddr(as.pid, 0x1000), false);
  assert.equal(m.lastFolioBytes, PAGE_SIZE);
  const k = m.kdamondCost;
  assert.equal(k.checks, 4);
  assert.equal(k.mkolds, 2);
  assert.equal(k.ns, 4 * DEFAULT_COSTS.youngCheckNs + 2 * DEFAULT_COSTS.mkoldNs);
  assert.equal(m.cpus[0].stolenNs, 0, "the kdamond has its own CPU by default");
  const st = m.stats();
  assert.equal(st.kdamond.checks, 4);
  assert.equal(st.accesses, 1);
  assert.equal(st.threads[0].minorFaults, 1);
  assert.equal(st.residentBytes, PAGE_SIZE);
  assert.deepEqual(JSON.parse(JSON.stringify(st)), st, "plain data");
});

test("paddr mkold/young walk the reverse map (spec §5.3)", () => {
  const m = new Machine({ tlb: false });
  const as = m.createProcess("t");
  const base = as.mmap(PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base]);
  const pa = m.translate(as.pid, base);
  assert.equal(m.youngPaddr(pa), true);
  m.mkoldPaddr(pa);
  assert.equal(m.pteFlags(as.pid, base) & PTE_ACCESSED, 0, "the mapping's Accessed bit is cleared");
  assert.equal(m.youngPaddr(pa), false);
  m.runAccesses(th, [base + 100]);
  assert.equal(m.youngPaddr(pa), true);
  assert.ok(m.kdamondCost.rmapWalks >= 2);
  // Outside RAM, or RAM never allocated: not accessed, no crash.
  assert.equal(m.youngPaddr(0), false);
  assert.equal(m.youngPaddr(m.frames.ramEnd - PAGE_SIZE), false);
  m.mkoldPaddr(m.frames.ramEnd + 10 * PAGE_SIZE);
});

test("an account with a CPU steals that CPU's time", () => {
  const m = new Machine({ tlb: false });
  const as = m.createProcess("t");
  m.kdamondCost.cpu = 0;
  m.youngVaddr(as.pid, 0x1000);
  assert.equal(m.cpus[0].timeNs, DEFAULT_COSTS.youngCheckNs);
  assert.equal(m.cpus[0].stolenNs, DEFAULT_COSTS.youngCheckNs);
});

test("System RAM ranges skip the PCI hole and are per node", () => {
  const m = new Machine({ nodes: [{ sizeBytes: 4 * 2 ** 30 }, { sizeBytes: 2 ** 30 }] });
  const r = m.systemRamRanges();
  assert.deepEqual(
    r.map((x) => [x.start, x.end, x.node]),
    [
      [0x100000, 3 * 2 ** 30, 0],
      [4 * 2 ** 30, 4 * 2 ** 30 + (2 ** 30 + 0x100000), 0],
      [4 * 2 ** 30 + (2 ** 30 + 0x100000), 4 * 2 ** 30 + (2 ** 30 + 0x100000) + 2 ** 30, 1],
    ],
  );
});

test("migratePage moves a page to another node, keeping its state, truth entry and costs", () => {
  const m = new Machine({
    nodes: [{ sizeBytes: 2 ** 30 }, { sizeBytes: 2 * PAGE_SIZE }],
    cpus: [0, 1],
    tlb: false,
  });
  const truth = new GroundTruth({ sampleNs: 1000, aggrNs: 2000, keepWindows: true });
  m.attachTruth(truth);
  const as = m.createProcess("t");
  const base = as.mmap(4 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base, base + 8, base + PAGE_SIZE], [1, 0, 0]);
  m.mkoldVaddr(as.pid, base);
  const before = m.translate(as.pid, base);
  assert.equal(m.migratePage(as.pid, base + 100, 0), false, "already there");
  const ns = m.kdamondCost.ns;
  assert.equal(m.migratePage(as.pid, base + 100, 1), true);
  assert.equal(m.kdamondCost.ns - ns, DEFAULT_COSTS.migratePageNs + DEFAULT_COSTS.tlbFlushLocalNs);
  const after = m.translate(as.pid, base);
  assert.notEqual(after, before);
  const pfn = Math.floor(after / PAGE_SIZE);
  assert.equal(m.frames.node[pfn], 1);
  assert.equal(m.frames.rmapVpn[pfn], base / PAGE_SIZE);
  assert.equal(m.youngVaddr(as.pid, base), false, "PG_idle travelled with the page");
  assert.ok(m.pteFlags(as.pid, base) & PTE_DIRTY, "PTE bits kept");
  assert.equal(m.frames.allocatedFrames, 2, "old frame freed");
  // The next access is remote.
  const t = m.cpus[0].timeNs;
  m.runAccesses(th, [base]);
  assert.equal(m.cpus[0].timeNs - t, DEFAULT_COSTS.localAccessNs + DEFAULT_COSTS.remoteAccessExtraNs);
  assert.equal(m.youngVaddr(as.pid, base), true);
  // Node 1 has room for one more page only.
  assert.equal(m.migratePage(as.pid, base + PAGE_SIZE, 1), true);
  m.runAccesses(th, [base + 2 * PAGE_SIZE]);
  assert.equal(m.migratePage(as.pid, base + 2 * PAGE_SIZE, 1), false, "node full");
  assert.equal(m.migratePage(as.pid, base + 3 * PAGE_SIZE, 1), false, "not present");
  truth.wake(2000);
  const w = truth.windows[0];
  const i = Array.from(w.vaddr).indexOf(base);
  assert.equal(Array.from(w.vaddr).filter((v) => v === base).length, 1, "one truth entry across the move");
  assert.equal(w.accesses[i], 3);
  assert.equal(w.paddr[i], Math.floor(after / PAGE_SIZE) * PAGE_SIZE);
});
