/**
 * The Accessed-bit operation sets on the simulated memory system, judged against
 * the exact truth (issue 3's acceptance at reduced scale).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runExperiment } from "../../src/eval/experiment.js";
import type { ExperimentResult } from "../../src/eval/experiment.js";
import { resolveWorkload, builtinWorkload } from "../../src/workload/builtins.js";
import type { WorkloadSpec } from "../../src/workload/spec.js";

const MASIM = new URL("../../workloads/masim/", import.meta.url).pathname;
/** 10x slower accesses: the same virtual time, a tenth of the simulated accesses. */
const FAST = { costs: { localAccessNs: 100 } };

/** damo's `report wss` median: skip 20 snapshots, regions with nr_accesses ≥ 1. */
function damoWssMedian(snaps: ExperimentResult["snapshots"]): number {
  const wss = snaps
    .slice(20)
    .map((s) => s.targets[0].regions.filter((r) => r.nrAccesses > 0).reduce((a, r) => a + r.end - r.start, 0))
    .sort((a, b) => a - b);
  return wss[Math.floor(wss.length / 2)];
}

test("damon-tests band: stairs_30secs median WSS in 9–11 MB (phases at a fifth of their length)", () => {
  const w = resolveWorkload(`${MASIM}stairs_30secs.cfg`, { timeScale: 0.2 });
  const r = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false });
  const mb = damoWssMedian(r.snapshots) / 1e6;
  assert.ok(mb >= 9 && mb <= 11, `median WSS ${mb} MB`);
});

test("damon-tests band: zigzag_30secs median WSS in 90–110 MB (phases at a fifth of their length)", () => {
  const w = resolveWorkload(`${MASIM}zigzag_30secs.cfg`, { timeScale: 0.2 });
  const r = runExperiment({ workload: w, ops: "vaddr", machine: FAST, baseline: false });
  const mb = damoWssMedian(r.snapshots) / 1e6;
  assert.ok(mb >= 90 && mb <= 110, `median WSS ${mb} MB`);
});

test("stairs: hot-set F1 reaches 0.9 within 10 windows of every phase change (TLB off)", () => {
  const w = resolveWorkload(`${MASIM}stairs_30secs.cfg`, { timeScale: 0.4 });
  const r = runExperiment({ workload: w, ops: "vaddr", machine: { ...FAST, tlb: false }, baseline: false });
  assert.ok(r.summary.convergence.length >= 10, "every stair is a phase change");
  for (const c of r.summary.convergence) {
    assert.ok(c.windows !== null && c.windows <= 10, `change at ${c.changeNs / 1e9} s: ${c.windows}`);
  }
  assert.ok(r.summary.f1 > 0.9, `mean F1 ${r.summary.f1}`);
});

test("the TLB model: a hot set that fits in the TLB under-reports; a flush at mkold removes that", () => {
  // A 2 MiB hot set (512 pages) fits in the 1536-entry TLB; the rest of the 16 MiB is idle.
  const w: WorkloadSpec = {
    name: "tlb-resident",
    description: "2 MiB hot in 16 MiB",
    regions: [{ name: "buf", sizeBytes: 16 * 2 ** 20 }],
    threads: [
      {
        cpu: 0,
        phases: [
          {
            name: "hot",
            durationNs: 3e9,
            patterns: [
              {
                region: 0,
                kind: "random",
                strideBytes: 0,
                probability: 1,
                mode: "rw",
                offsetBytes: 4 * 2 ** 20,
                lengthBytes: 2 * 2 ** 20,
              },
            ],
          },
        ],
      },
    ],
  };
  const run = (ops: string, tlb: boolean) =>
    runExperiment({ workload: w, ops, machine: { ...FAST, tlb: tlb ? undefined : false }, baseline: false })
      .summary;
  const cached = run("vaddr", true);
  const flushed = run("vaddr-flush", true);
  const noTlb = run("vaddr", false);
  assert.ok(noTlb.recall > 0.8, `no TLB model: recall ${noTlb.recall}`);
  assert.ok(cached.recall < 0.5 * noTlb.recall, `TLB, no flush: recall ${cached.recall} vs ${noTlb.recall}`);
  assert.ok(flushed.recall > 0.8, `TLB with flush at mkold: recall ${flushed.recall}`);
  assert.ok(cached.estWssMedianBytes < 0.5 * noTlb.estWssMedianBytes);
});

test("access checks per sample never exceed max_nr_regions, whatever the memory size (paddr 1 vs 64 GiB)", () => {
  const w = builtinWorkload("gups", { scale: 0.02 });
  const perSize = [1, 64].map((gib) => {
    const r = runExperiment({
      workload: w,
      ops: "paddr",
      attrs: { maxNrRegions: 100 },
      durationNs: 2e9,
      machine: { ...FAST, nodes: [{ sizeBytes: gib * 2 ** 30 }] },
      baseline: false,
    });
    const samples = r.ctx.passedSampleIntervals;
    const st = r.machine.stats().kdamond;
    return {
      checksPerSample: st.checks / samples,
      nsPerSample: st.ns / samples,
      maxRegions: r.summary.nrRegionsMax,
    };
  });
  for (const p of perSize) {
    assert.ok(p.checksPerSample <= 100, `${p.checksPerSample} checks per sample`);
    assert.ok(p.maxRegions <= 100);
  }
  const ratio = perSize[1].nsPerSample / perSize[0].nsPerSample;
  assert.ok(ratio > 0.5 && ratio < 2, `64 GiB costs ${ratio}x of 1 GiB per sample`);
});
