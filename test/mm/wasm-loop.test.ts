/**
 * The WebAssembly access loop (wasm-loops.ts, wasm/access-loop.wat) against the
 * JavaScript loops it must equal (access-loop.ts), on hand-made sequences that reach
 * every exit: addresses outside every mapping and NaN ones, more mappings than the
 * VMA cache holds, first touches, armed pages (hinting faults), the hardware sampler,
 * writes; every built-in workload on three machines, and two trace replays. Also its
 * heap (sim-heap.ts), the fallbacks when the heap is full or cannot be made, and that
 * the committed module bytes are the .wat assembled. cpu-loops.test.ts compares five
 * workload cases over five seeds.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { join } from "node:path";
import { Machine, PAGE_SIZE, type MachineOptions } from "../../src/mm/index.js";
import { machineOptionsFor } from "../../src/mm/machine-profile.js";
import { BUILTIN_WORKLOADS } from "../../src/workload/builtins.js";
import { replayWorkload } from "../../src/workload/trace-replay.js";
import { projectRoot } from "../../src/workload/trace/valgrind-tool.js";
import { HintingFramework, DAMON_OWNER } from "../../src/mm/hinting/framework.js";
import { RecordingOwner } from "../../src/eval/race.js";
import { SimHeap } from "../../src/mm/sim-heap.js";
import { GroundTruth } from "../../src/truth/index.js";
import { Rng } from "../../src/util/rng.js";
import { fingerprintRun } from "../helpers/loop-run.js";
import { ACCESS_LOOP_WASM_BASE64 } from "../../src/mm/wasm/access-loop-bytes.js";
import { ACCESS_LOOP, assemble } from "../../scripts/build-wasm.js";

const idle = { fill: () => 0, finished: true, resumeNs: 0 };

/**
 * Random accesses of one seed over 20 mappings of 1–40 pages (more than the 16
 * cached chunks), with unmapped and NaN addresses, writes, pages armed between
 * batches, and a sampler every 97 accesses. Returns a fingerprint of everything
 * the access path changes.
 */
function handMade(
  loop: "js" | "wasm",
  seed: number,
  tlb: boolean | { entries: number; ways: number },
  viaRunAccesses: boolean,
  o: { truth?: boolean; logSamples?: boolean; wasmVariants?: boolean } = {},
): string {
  const m = new Machine({
    cpus: 2,
    loop,
    wasmVariants: o.wasmVariants,
    tlb: tlb === true ? { entries: 64, ways: 4 } : tlb,
    nodes: [{ sizeBytes: 2 ** 28 }],
  });
  const gt = new GroundTruth({
    sampleNs: 20_000,
    aggrNs: 200_000,
    logSamples: o.logSamples ?? seed % 2 === 0,
  });
  if (o.truth ?? true) m.attachTruth(gt);
  const rng = new Rng(seed);
  const as = m.createProcess("t");
  const maps: { base: number; pages: number }[] = [];
  for (let k = 0; k < 20; k++) {
    const pages = 1 + (rng.nextU32() % 40);
    maps.push({ base: as.mmap(pages * PAGE_SIZE), pages });
  }
  const ths = [m.spawnThread(as, 0, idle), m.spawnThread(as, 1, idle)];
  let samples = 0;
  m.setAccessSampler({
    period: 97,
    sample: (_th, _vma, vaddr, isWrite) => {
      samples += vaddr + (isWrite ? 1 : 0);
      return 150;
    },
  });
  const fw = new HintingFramework(m);
  const owner = new RecordingOwner(DAMON_OWNER);
  const h = fw.register(owner);
  for (let batch = 0; batch < 40; batch++) {
    const n = 1 + (rng.nextU32() % 3000);
    const addrs = new Float64Array(n);
    const writes = new Uint8Array(n);
    // Runs of nearby accesses (TLB hits, the same chunk) broken by jumps.
    let mp = maps[0];
    let page = 0;
    for (let j = 0; j < n; j++) {
      const r = rng.nextU32() % 100;
      if (r < 1) addrs[j] = NaN;
      else if (r < 3)
        addrs[j] = 0x1000 + (rng.nextU32() % 1000) * PAGE_SIZE; // unmapped
      else {
        if (r < 15) {
          mp = maps[rng.nextU32() % maps.length];
          page = rng.nextU32() % mp.pages;
        } else if (r < 40) page = (page + 1) % mp.pages;
        addrs[j] = mp.base + page * PAGE_SIZE + (rng.nextU32() % PAGE_SIZE);
      }
      writes[j] = rng.nextU32() & 1;
    }
    const th = ths[batch % 2];
    if (viaRunAccesses) m.runAccesses(th, addrs, writes);
    else m.exec(th, addrs, writes, 0, n);
    // Arm a few pages for the next batches, and close truth windows as time passes.
    for (let a = 0; a < 5; a++) {
      const mp2 = maps[rng.nextU32() % maps.length];
      fw.arm(h, as.pid, mp2.base + (rng.nextU32() % mp2.pages) * PAGE_SIZE, m.kdamondCost);
    }
    if (m.truth !== null) gt.wake(Math.max(...m.cpus.map((c) => c.timeNs)));
  }
  const hash = createHash("sha256");
  // PTE flags, and the upper levels' Accessed bits the walks set (PMD in the loop, PUD/PGD after it).
  for (const { base, pages } of maps) {
    for (let p = 0; p < pages; p++) hash.update(String(m.pteFlags(as.pid, base + p * PAGE_SIZE)));
    hash.update(String(as.upper.bitsAt(Math.floor(base / PAGE_SIZE))));
  }
  hash.update(gt.count.subarray(0, m.frames.capacity));
  hash.update(gt.positive.subarray(0, m.frames.capacity));
  return JSON.stringify([
    ths.map((t) => [t.accesses, t.invalidAccesses, t.minorFaults, t.hintingFaults, t.tlbMisses, t.runNs]),
    m.cpus.map((c) => [c.timeNs, c.tlb?.hits, c.tlb?.misses]),
    m.hiddenPageSamples,
    m.seenPageSamples,
    owner.faults.length,
    samples,
    hash.digest("hex"),
  ]);
}

void test("hand-made sequences: the WebAssembly loop equals the JavaScript loops (30 seeds, TLB on and off)", () => {
  for (let seed = 1; seed <= 30; seed++) {
    for (const tlb of [true, false]) {
      const via = seed % 3 === 0; // runAccesses (heap arrays) or exec on plain arrays (copied)
      const js = handMade("js", seed, tlb, via);
      const wasm = handMade("wasm", seed, tlb, via);
      assert.equal(wasm, js, `seed ${seed}, TLB ${tlb ? "on" : "off"}`);
    }
  }
});

/** TLB shapes for each variant's pair count (loop-variants.ts), small enough for the hand-made mappings to miss. */
const VARIANT_TLBS: [number, false | { entries: number; ways: number }][] = [
  [0, false],
  [2, { entries: 64, ways: 4 }],
  [6, { entries: 96, ways: 12 }],
  [8, { entries: 128, ways: 16 }],
];

/** The loop a machine's CPU 0 runs after a few accesses. */
function loopNameOf(o: MachineOptions, truth: GroundTruth | null): string {
  const m = new Machine({ cpus: 1, ...o });
  if (truth !== null) m.attachTruth(truth);
  const as = m.createProcess("t");
  const base = as.mmap(4 * PAGE_SIZE);
  m.runAccesses(m.spawnThread(as, 0, idle), [base, base + PAGE_SIZE]);
  return m.cpus[0].loops!.wasm!.loopName;
}

void test("each specialised loop is picked where it fits, and equals the generic loop and the JavaScript loops", () => {
  const gt = () => new GroundTruth({ sampleNs: 20_000, aggrNs: 200_000 });
  for (const [pairs, tlb] of VARIANT_TLBS) {
    for (const truth of [false, true]) {
      const name = `loop_p${pairs}_t${truth ? 1 : 0}`;
      assert.equal(loopNameOf({ tlb }, truth ? gt() : null), name);
      assert.equal(loopNameOf({ tlb, wasmVariants: false }, truth ? gt() : null), "loop");
      for (let seed = 1; seed <= 6; seed++) {
        const o = { truth, logSamples: false };
        const js = handMade("js", seed, tlb, seed % 2 === 0, o);
        const variant = handMade("wasm", seed, tlb, seed % 2 === 0, o);
        const generic = handMade("wasm", seed, tlb, seed % 2 === 0, { ...o, wasmVariants: false });
        assert.equal(variant, js, `${name}, seed ${seed}`);
        assert.equal(generic, js, `generic loop for ${name}, seed ${seed}`);
      }
    }
  }
  // What no variant fits runs the generic loop: the truth's per-sample log, two NUMA
  // nodes (a latency per node pair), a TLB whose ways are not a built-in's.
  assert.equal(
    loopNameOf({}, new GroundTruth({ sampleNs: 20_000, aggrNs: 200_000, logSamples: true })),
    "loop",
  );
  assert.equal(loopNameOf({ nodes: [{ sizeBytes: 2 ** 28 }, { sizeBytes: 2 ** 28 }] }, gt()), "loop");
  assert.equal(loopNameOf({ tlb: { entries: 40, ways: 5 } }, gt()), "loop");
  assert.equal(loopNameOf({}, gt()), "loop_p6_t1", "the default machine");
});

void test("hand-made sequences reach every exit: invalid, NaN, faults, hinting, samples", () => {
  const p = JSON.parse(handMade("wasm", 7, true, false)) as [
    number[][],
    number[][],
    number,
    number,
    number,
    number,
  ];
  const [threads, , , seen, hintFaults, samples] = p;
  assert.ok(
    threads.every((t) => t[1] > 0),
    "invalid and NaN addresses counted",
  );
  assert.ok(
    threads.every((t) => t[2] > 0),
    "first-touch faults",
  );
  assert.ok(hintFaults > 0, "armed pages faulted to their owner");
  assert.ok(samples > 0, "the sampler ran");
  assert.ok(seen > 0, "blind-spot counters moved");
});

void test("SimHeap: zeroed blocks, views that survive growth, ownership", () => {
  const heap = new SimHeap(64 * 2 ** 20, 65536);
  const a = heap.i32(1000);
  a.fill(7);
  assert.ok(heap.owns(a));
  assert.equal(heap.ptr(a) % 16, 0);
  // Far past the first 64 KiB: the memory grows, and `a` still reads what it held.
  const big = heap.f64(1 << 20);
  assert.ok(heap.owns(big));
  assert.equal(a[999], 7);
  big[(1 << 20) - 1] = 1.5;
  assert.equal(big[(1 << 20) - 1], 1.5);
  // A new block is zeroed, aligned, and apart from the others.
  const b = heap.i32(1000);
  assert.ok(b.every((x) => x === 0));
  assert.equal(heap.ptr(b) % 16, 0);
  assert.ok(b.byteOffset >= big.byteOffset + big.byteLength);
  // Arrays it did not make are not its own.
  assert.ok(!heap.owns(new Int32Array(4)));
  assert.equal(heap.ptr(new Int32Array(4)), -1);
  // Past its limit it hands out ordinary arrays and says so.
  assert.ok(!heap.overflowed);
  const huge = heap.u8(128 * 2 ** 20);
  assert.equal(huge.length, 128 * 2 ** 20);
  assert.ok(!heap.owns(huge));
  assert.ok(heap.overflowed);
});

void test("a machine whose heap fills up runs the JavaScript loops, with the same results", () => {
  const run = (loop: "js" | "wasm", heapMaxBytes?: number) => {
    const r = fingerprintRun({
      workload: "stairs",
      machine: { loop, heapMaxBytes, nodes: [{ sizeBytes: 2 ** 30 }] },
      seed: 3,
    });
    return { print: r.print, m: r.machine };
  };
  const js = run("js");
  // 1.5 MiB: the TLBs, buffers and truth arrays fit; the page tables and blind-spot
  // stamps made while it runs do not, so it falls back mid-run.
  const small = run("wasm", 1.5 * 2 ** 20);
  assert.ok(small.m.heap!.overflowed);
  assert.ok(
    small.m.cpus.some((c) => c.loops !== null && c.loops.wasm === null),
    "the CPUs fell back to the JavaScript loops",
  );
  assert.equal(small.print, js.print);
  const roomy = run("wasm");
  assert.ok(!roomy.m.heap!.overflowed);
  assert.equal(roomy.print, js.print);
});

void test("the committed module bytes are access-loop.wat assembled (npm run build:wasm)", async () => {
  const bytes = await assemble(ACCESS_LOOP);
  assert.equal(
    ACCESS_LOOP_WASM_BASE64,
    Buffer.from(bytes).toString("base64"),
    "src/mm/wasm/access-loop-bytes.ts is stale: run `npm run build:wasm`",
  );
});

void test("MachineOptions.loop: a clear error for anything but wasm or js", () => {
  assert.throws(() => new Machine({ loop: "asm" as "js" }), /loop must be "wasm" or "js", got asm/);
});

void test("where the WebAssembly memory cannot be made (ulimit -v), a machine runs the JavaScript loops", () => {
  // What V8 throws when the 4 GiB reservation is refused, simulated: the constructor is swapped for the test.
  const api = (globalThis as unknown as { WebAssembly: { Memory: unknown } }).WebAssembly;
  const real = api.Memory;
  api.Memory = function refused() {
    throw new RangeError("WebAssembly.Memory(): could not allocate memory");
  };
  let m: Machine;
  try {
    m = new Machine({ cpus: 1 });
  } finally {
    api.Memory = real;
  }
  assert.equal(m.heap, null);
  assert.equal(m.wasm, null);
  const as = m.createProcess("t");
  const base = as.mmap(4 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base, base + PAGE_SIZE, base]);
  assert.equal(th.accesses, 3);
  assert.equal(th.minorFaults, 2);
  assert.equal(m.cpus[0].loops?.wasm ?? null, null);
});

void test("every built-in workload on three machines, and the fixture trace replays: the WebAssembly loop equals the JavaScript loops", () => {
  const machines: [string, MachineOptions][] = [
    ["default", {}],
    ["guest", machineOptionsFor("guest")],
    ["TLB off", { tlb: false }],
  ];
  for (const w of BUILTIN_WORKLOADS) {
    for (const [name, mo] of machines) {
      const run = (loop: "js" | "wasm") =>
        fingerprintRun({ workload: w.name, machine: { ...mo, loop }, seed: 2, timeScale: 0.002 }).print;
      assert.equal(run("wasm"), run("js"), `${w.name}, ${name} machine`);
    }
  }
  // Traces of real programs: many mappings, chunk switches every few accesses (a
  // replay lasts about 50 ms: 5 ms truth windows).
  for (const trace of ["sort", "xz-threads"]) {
    const spec = replayWorkload(join(projectRoot(), "test", "fixtures", "traces", `${trace}.dtrace`));
    const run = (loop: "js" | "wasm") =>
      fingerprintRun({ workload: spec, machine: { loop }, seed: 1, truthNs: [1e6, 5e6] }).print;
    assert.equal(run("wasm"), run("js"), `${trace}.dtrace`);
  }
});
