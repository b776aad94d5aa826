import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { createContext } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import { newProbe } from "../../src/core/probe.js";
import type { Probe } from "../../src/core/probe.js";
import { Target, setRegions } from "../../src/core/region.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { PAGE_SIZE } from "../../src/mm/vma.js";
import { PaddrOps } from "../../src/ops/paddr.js";
import { VaddrOps } from "../../src/ops/vaddr.js";
import { Rng } from "../../src/util/rng.js";

const MiB = 1 << 20;
const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

/** Exact per-frame truth kept while populating: is the frame anon, is it charged to /a. */
interface Truth {
  anon: Uint8Array;
  memcgA: Uint8Array;
}

/**
 * Two processes in memcgs /a and /b, each with an anonymous and a file-backed
 * mapping, populated in interleaved chunks of seeded random sizes: physical memory
 * holds runs of every (anon|file) × (/a|/b) mix. Returns the machine, the truth per
 * frame and the frame range in use.
 */
function world(seed: number) {
  const m = new Machine({ nodes: [{ sizeBytes: 256 * MiB }], tlb: false, cpus: 1 });
  const rng = new Rng(seed);
  const procs = ["/a", "/b"].map((cg) => {
    const as = m.createProcess();
    m.setMemcg(as.pid, cg);
    const th = m.spawnThread(as, 0, idle);
    const anon = as.mmap(24 * MiB);
    const file = as.mmap(24 * MiB, { kind: "lib", name: "data.bin" });
    return { as, th, cg, cursors: [anon, file], ends: [anon + 24 * MiB, file + 24 * MiB] };
  });
  const truth: Truth = { anon: new Uint8Array(1 << 16), memcgA: new Uint8Array(1 << 16) };
  let lo = Infinity;
  let hi = -Infinity;
  for (;;) {
    const open = procs.flatMap((p) => [0, 1].filter((k) => p.cursors[k] < p.ends[k]).map((k) => ({ p, k })));
    if (open.length === 0) break;
    const { p, k } = open[rng.randRange(0, open.length)];
    const len = Math.min(rng.randRange(1, 9) * MiB, p.ends[k] - p.cursors[k]);
    const pages = [];
    for (let a = p.cursors[k]; a < p.cursors[k] + len; a += PAGE_SIZE) pages.push(a);
    m.runAccesses(p.th, pages);
    for (const a of pages) {
      const pfn = m.frameOf(p.as.pid, a);
      truth.anon[pfn] = k === 0 ? 1 : 0;
      truth.memcgA[pfn] = p.cg === "/a" ? 1 : 0;
      lo = Math.min(lo, pfn);
      hi = Math.max(hi, pfn + 1);
    }
    p.cursors[k] += len;
  }
  return { m, truth, lo, hi, procs };
}

function share(attr: Uint8Array, start: number, end: number): number {
  let n = 0;
  const s = start / PAGE_SIZE;
  const e = end / PAGE_SIZE;
  for (let pfn = s; pfn < e; pfn++) n += attr[pfn];
  return n / (e - s);
}

/** anon and memcg /a; weights 1 and 2 give the four mixes distinct weighted sums (0, 1, 2, 3 × hits). */
const probes = (weighted: boolean): Probe[] => [
  newProbe([{ type: "anon", matching: true, allow: true }], weighted ? 1 : 0),
  newProbe([{ type: "memcg", matching: true, allow: true, memcgPath: "/a" }], weighted ? 2 : 0),
];

/**
 * The ratio hits/250 is a binomial estimate of the share: beside the 0.05 goal,
 * a boundary region DAMON cannot split further (2 pages straddling two runs,
 * share 0.5) has σ = 0.032, so it may miss 0.05 by chance; it is held to 4σ.
 */
test("paddr probes: per-region anon and memcg /a hit ratios match the true byte shares", () => {
  const n = 250; // samples per window: the most the u8 counters allow with weights
  let regionWindows = 0;
  let over005 = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const w = world(seed);
    const ctx = createContext({
      ops: new PaddrOps(w.m),
      seed,
      probes: probes(true),
      attrs: { sampleUs: 400, aggrUs: 100_000, minNrRegions: 10, maxNrRegions: 200 },
    });
    const t = new Target();
    setRegions(t, [{ start: w.lo * PAGE_SIZE, end: w.hi * PAGE_SIZE }], ctx.minRegionSz);
    ctx.targets.push(t);
    const kd = new Kdamond(ctx, new VirtualClock());
    for (const ev of kd.aggregations(40)) {
      if (ev.index < 20) continue; // warm-up: regions adapt to the attribute boundaries
      let bytes = 0;
      let weightedErr = 0;
      for (const r of ev.targets[0].regions) {
        for (const [i, attr] of [w.truth.anon, w.truth.memcgA].entries()) {
          const p = share(attr, r.start, r.end);
          const err = Math.abs(r.probeHits![i] / n - p);
          const sigma = Math.sqrt((p * (1 - p)) / n);
          assert.ok(err <= Math.max(0.05, 4 * sigma), `seed ${seed} window ${ev.index} probe ${i}: ${err}`);
          if (err > 0.05) over005++;
          weightedErr += err * (r.end - r.start);
          bytes += r.end - r.start;
          regionWindows++;
        }
      }
      assert.ok(weightedErr / bytes <= 0.01, `seed ${seed} window ${ev.index}: byte-weighted error`);
    }
    assert.equal(w.m.kdamondCost.checks, 0, "data-attributes-only: no Accessed-bit check");
    assert.equal(ctx.nrAccessChecks, 0);
  }
  assert.ok(regionWindows > 2000, `${regionWindows} region windows checked`);
  assert.ok(over005 / regionWindows <= 0.02, `${over005} of ${regionWindows} region windows miss 0.05`);
});

test("vaddr probes: a process's anon mapping hits the anon probe, its file mapping does not", () => {
  const w = world(7);
  const a = w.procs[0];
  const ctx = createContext({ ops: new VaddrOps(w.m), seed: 7, probes: probes(false) });
  const t = new Target(a.as.pid);
  const anonStart = a.ends[0] - 24 * MiB;
  const fileStart = a.ends[1] - 24 * MiB;
  setRegions(
    t,
    [
      { start: Math.min(anonStart, fileStart), end: Math.min(anonStart, fileStart) + 24 * MiB },
      { start: Math.max(anonStart, fileStart), end: Math.max(anonStart, fileStart) + 24 * MiB },
    ],
    ctx.minRegionSz,
  );
  ctx.targets.push(t);
  const kd = new Kdamond(ctx, new VirtualClock());
  const ev = [...kd.aggregations(3)].pop()!;
  assert.ok(ctx.nrAccessChecks > 0, "unweighted probes keep the access check");
  for (const r of ev.targets[0].regions) {
    const isAnon = r.start >= anonStart && r.end <= anonStart + 24 * MiB;
    assert.deepEqual(r.probeHits, [isAnon ? 20 : 0, 20], `region at ${r.start}`);
  }
});
