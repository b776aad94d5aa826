/**
 * Accessed-bit checks on transparent huge pages (damon-spec.md §5.2, §5.3): the
 * kernel checks and clears the PMD's young bit for a PMD-mapped folio
 * (ops-common.c damon_pmdp_mkold, vaddr.c damon_young_pmd_entry, and the PMD arm
 * of damon_folio_young_one for paddr), so an access anywhere in a 2 MiB huge page
 * makes every sampling address in it read "accessed", and the same-folio cache
 * spans the whole folio.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import type { AggregationEvent } from "../../src/core/kdamond.js";
import { Target, setRegions } from "../../src/core/region.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { PAGE_SIZE, THP_PAGES } from "../../src/mm/vma.js";
import { PaddrOps } from "../../src/ops/paddr.js";
import { VaddrOps } from "../../src/ops/vaddr.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const MiB = 1 << 20;
const HUGE = THP_PAGES * PAGE_SIZE;

/** A process with `mib` MiB of THP-backed memory, every huge page faulted in. */
function thpWorld(mib: number) {
  const m = new Machine({ cpus: 1, tlb: false, nodes: [{ sizeBytes: 2 ** 28 }] });
  const as = m.createProcess("thp");
  const th = m.spawnThread(as, 0, idle);
  const raw = as.mmap(mib * MiB + HUGE);
  const base = Math.ceil(raw / HUGE) * HUGE;
  assert.ok(m.madviseHugepage(as.pid, base, base + mib * MiB, true));
  m.runAccesses(
    th,
    Array.from({ length: (mib * MiB) / HUGE }, (_, i) => base + i * HUGE),
  );
  assert.equal(m.folioBytes(m.translate(as.pid, base) / PAGE_SIZE), HUGE, "mapped by a huge page");
  return { m, as, th, base };
}

test("damon_young_pmd_entry / damon_pmdp_mkold: one young bit for the whole 2 MiB folio (fails before: per 4 KiB)", () => {
  const { m, as, th, base } = thpWorld(4);
  const far = base + 300 * PAGE_SIZE;
  m.mkoldVaddr(as.pid, base);
  assert.equal(m.youngVaddr(as.pid, far), false, "old after mkold");
  m.runAccesses(th, [base + 8]); // touch the first 4 KiB only
  assert.equal(m.youngVaddr(as.pid, far), true, "the PMD is young: any address of the folio reads accessed");
  assert.equal(m.lastFolioBytes, HUGE);
  m.mkoldVaddr(as.pid, far); // clearing through another address clears the folio's bit
  assert.equal(m.youngVaddr(as.pid, base), false);
  // The next huge page is another folio.
  m.mkoldVaddr(as.pid, base + HUGE);
  m.runAccesses(th, [base + 8]);
  assert.equal(m.youngVaddr(as.pid, base + HUGE + 5 * PAGE_SIZE), false);
});

test("paddr on a huge page: the rmap walk reads the PMD's young bit (damon_folio_young_one; fails before)", () => {
  const { m, as, th, base } = thpWorld(2);
  const farPa = m.translate(as.pid, base + 400 * PAGE_SIZE);
  m.mkoldPaddr(farPa);
  assert.equal(m.youngPaddr(farPa), false);
  m.runAccesses(th, [base]);
  assert.equal(m.youngPaddr(farPa), true);
});

/** Runs vaddr or paddr over THP memory whose hot part is touched at one 4 KiB page per huge page. */
function monitorHotHugePages(ops: "vaddr" | "paddr"): {
  hotBytes: number;
  estBytes: number;
  coldEst: number;
} {
  const { m, as, th, base } = thpWorld(64);
  const hotStart = base + 16 * MiB;
  const hotEnd = base + 32 * MiB;
  const touch = Array.from({ length: (hotEnd - hotStart) / HUGE }, (_, i) => hotStart + i * HUGE + 64);
  const o = ops === "vaddr" ? new VaddrOps(m) : new PaddrOps(m);
  const ctx = createContext({
    ops: o,
    seed: 4,
    minRegionSz: PAGE_SIZE,
    attrs: { sampleUs: 1000, aggrUs: 20_000, minNrRegions: 10, maxNrRegions: 200 },
  });
  const t = new Target(ops === "vaddr" ? as.pid : undefined);
  if (ops === "vaddr") setRegions(t, [{ start: base, end: base + 64 * MiB }], PAGE_SIZE);
  ctx.targets.push(t);
  const kd = new Kdamond(ctx, new VirtualClock());
  let last: AggregationEvent | null = null;
  for (let w = 0; w < 15; w++) {
    let got: AggregationEvent | null = null;
    const off = kd.onAggregated((ev) => (got = ev));
    while (got === null) {
      const plan = kd.beginIteration();
      m.runAccesses(th, touch);
      if (plan.sampling) kd.endIteration();
    }
    off();
    last = got;
  }
  // Bytes estimated hot (≥ half the samples) inside / outside the hot huge pages.
  const hotFrames = new Set<number>();
  for (let a = hotStart; a < hotEnd; a += PAGE_SIZE) hotFrames.add(m.translate(as.pid, a) / PAGE_SIZE);
  let est = 0;
  let coldEst = 0;
  for (const r of last!.targets[0].regions) {
    if (r.nrAccesses < 10) continue;
    for (let a = r.start; a < r.end; a += PAGE_SIZE) {
      const inHot = ops === "vaddr" ? a >= hotStart && a < hotEnd : hotFrames.has(a / PAGE_SIZE);
      if (inHot) est += PAGE_SIZE;
      else if (ops === "vaddr" || m.frames.flags[a / PAGE_SIZE] & 1) coldEst += PAGE_SIZE;
    }
  }
  return { hotBytes: hotEnd - hotStart, estBytes: est, coldEst };
}

for (const ops of ["vaddr", "paddr"] as const) {
  test(`${ops}: a THP-backed hot set touched at one 4 KiB page per huge page is monitored whole (fails before)`, () => {
    const r = monitorHotHugePages(ops);
    assert.ok(
      r.estBytes >= 0.75 * r.hotBytes,
      `hot bytes found ${r.estBytes / MiB} MiB of ${r.hotBytes / MiB}`,
    );
    assert.ok(r.coldEst <= 0.25 * r.hotBytes, `cold bytes called hot ${r.coldEst / MiB} MiB`);
  });
}
