/**
 * Each CPU's compiled copy of the access loops (cpu-loops.ts) must run exactly as
 * the shared loops do, and the WebAssembly loop (wasm-loops.ts) exactly as both:
 * same accesses, clocks, TLB and blind-spot counters, same truth windows. And each
 * must follow the arrays it is bound to when they grow.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, type MachineOptions } from "../../src/mm/index.js";
import { machineOptionsFor } from "../../src/mm/machine-profile.js";
import { GroundTruth } from "../../src/truth/index.js";
import { fingerprintRun } from "../helpers/loop-run.js";

interface Case {
  name: string;
  workload: string;
  machine: MachineOptions;
  logSamples: boolean;
}

/** A fingerprint of one run; also says whether its CPUs ran compiled copies, or the WebAssembly loop. */
function run(
  c: Case,
  seed: number,
  loopCopyAfter: number,
  loop: "js" | "wasm" = "js",
): { print: string; compiled: boolean[]; wasm: boolean[] } {
  const { print, machine: m } = fingerprintRun({
    workload: c.workload,
    machine: { ...c.machine, loopCopyAfter, loop },
    seed,
    logSamples: c.logSamples,
  });
  return {
    print,
    compiled: m.cpus.map((cpu) => cpu.loops?.compiled ?? false),
    wasm: m.cpus.map((cpu) => (cpu.loops?.wasm ?? null) !== null),
  };
}

const cases: Case[] = [
  { name: "stairs, default TLB", workload: "stairs", machine: {}, logSamples: false },
  {
    name: "stairs, guest profile",
    workload: "stairs",
    machine: machineOptionsFor("guest"),
    logSamples: false,
  },
  { name: "zipf-kv, TLB off", workload: "zipf-kv", machine: { tlb: false }, logSamples: false },
  {
    name: "zipf-kv, guest, sample log",
    workload: "zipf-kv",
    machine: machineOptionsFor("guest"),
    logSamples: true,
  },
  // Two nodes: the latency row of the CPU's node is part of the binding.
  {
    name: "stairs-mt, server profile, 2 nodes",
    workload: "stairs-mt",
    machine: {
      ...machineOptionsFor("server"),
      nodes: [{ sizeBytes: 2 ** 30 }, { sizeBytes: 2 ** 30 }],
      cpus: [0, 1],
    },
    logSamples: false,
  },
];

for (const c of cases) {
  void test(`compiled copies run as the shared loops do (${c.name}, seeds 1-3)`, () => {
    for (let seed = 1; seed <= 3; seed++) {
      const shared = run(c, seed, Infinity);
      const copied = run(c, seed, 0);
      const late = run(c, seed, 100_000);
      assert.ok(!shared.compiled.some(Boolean), "Infinity: the shared loops only");
      assert.ok(copied.compiled.some(Boolean), "0: a copy from the first access");
      assert.equal(copied.print, shared.print, `seed ${seed}: a copy from the start`);
      assert.equal(late.print, shared.print, `seed ${seed}: a copy after 100 000 accesses`);
    }
  });

  void test(`the WebAssembly loop runs as the JavaScript loops do (${c.name}, seeds 1-5)`, () => {
    for (let seed = 1; seed <= 5; seed++) {
      const js = run(c, seed, Infinity, "js");
      const wasm = run(c, seed, 0, "wasm");
      assert.ok(!js.wasm.some(Boolean), "loop js: no CPU on the WebAssembly loop");
      assert.ok(wasm.wasm.some(Boolean), "loop wasm: the CPUs that ran are on it");
      assert.ok(!wasm.compiled.some(Boolean), "loop wasm: no compiled JavaScript copies");
      assert.equal(wasm.print, js.print, `seed ${seed}`);
    }
  });
}

/** Touches `pages` pages of a fresh mapping one after another, then again, on CPU 0. */
function touchMany(
  loopCopyAfter: number,
  pages: number,
  loop: "js" | "wasm" = "js",
): { m: Machine; gt: GroundTruth; first: unknown[] } {
  const m = new Machine({ nodes: [{ sizeBytes: 2 * 2 ** 30 }], loopCopyAfter, loop });
  const gt = new GroundTruth({ sampleNs: 5e6, aggrNs: 50e6 });
  m.attachTruth(gt);
  const as = m.createProcess("app");
  const base = as.malloc(pages * PAGE_SIZE);
  const th = m.spawnThread(as, 0, { fill: () => 0, finished: true, resumeNs: 0 });
  const first = [m.frames.node, m.clrStamp, gt.sampleStamp, gt.count];
  const n = 4096;
  const addrs = new Float64Array(n);
  const writes = new Uint8Array(n);
  for (let round = 0; round < 2; round++) {
    for (let p0 = 0; p0 < pages; p0 += n) {
      const k = Math.min(n, pages - p0);
      for (let j = 0; j < k; j++) {
        addrs[j] = base + (p0 + j) * PAGE_SIZE + 8 * j;
        writes[j] = j & 1;
      }
      assert.equal(m.exec(th, addrs, writes, 0, k), k);
    }
  }
  return { m, gt, first };
}

void test("a CPU's copy is rebound to the frame table and truth arrays when they grow", () => {
  // 100 000 pages: past the 65 536 frames the per-frame arrays start with.
  const { m, gt, first } = touchMany(0, 100_000);
  const [node, clr, tS, tC] = first;
  assert.notEqual(m.frames.node, node);
  assert.notEqual(m.clrStamp, clr);
  assert.notEqual(gt.sampleStamp, tS);
  assert.notEqual(gt.count, tC);
  const cl = m.cpus[0].loops!;
  assert.ok(cl.compiled);
  assert.equal(cl.binding.frameNode, m.frames.node);
  assert.equal(cl.binding.clrStamp, m.clrStamp);
  assert.equal(cl.binding.tS, gt.sampleStamp);
  assert.equal(cl.binding.tC, gt.count);
  // And it ran as the shared loops do.
  const shared = touchMany(Infinity, 100_000);
  assert.ok(!shared.m.cpus[0].loops!.compiled);
  const counters = (x: Machine) => [x.cpus[0].timeNs, x.cpus[0].tlb?.hits, x.cpus[0].tlb?.misses];
  assert.deepEqual(counters(m), counters(shared.m));
  assert.deepEqual(gt.count, shared.gt.count);
  assert.deepEqual(gt.positive, shared.gt.positive);
});

void test("the WebAssembly loop follows the frame table and truth arrays when they grow", () => {
  const { m, gt, first } = touchMany(0, 100_000, "wasm");
  const [node, , tS] = first;
  assert.notEqual(m.frames.node, node);
  assert.notEqual(gt.sampleStamp, tS);
  const cl = m.cpus[0].loops!;
  assert.ok(cl.wasm !== null);
  assert.equal(cl.wasm.frameNode, m.frames.node.byteOffset);
  assert.equal(cl.wasm.tS, gt.sampleStamp.byteOffset);
  assert.equal(cl.wasm.tC, gt.count.byteOffset);
  assert.equal(cl.wasm.clrStamp, m.clrStamp.byteOffset);
  const js = touchMany(Infinity, 100_000, "js");
  const counters = (x: Machine) => [x.cpus[0].timeNs, x.cpus[0].tlb?.hits, x.cpus[0].tlb?.misses];
  assert.deepEqual(counters(m), counters(js.m));
  assert.deepEqual([...gt.count], [...js.gt.count]);
  assert.deepEqual([...gt.positive], [...js.gt.positive]);
});
