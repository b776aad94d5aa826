import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../src/util/rng.js";
import { oneZipfSpec } from "./zipf-spec.js";
import { PhasedStream, type PhaseEvent, type WorkloadSpec } from "../../src/workload/index.js";
import { fillSeq } from "../../src/workload/phased-stream.js";
import { JS_BATCH_FILL } from "../../src/mm/batch-fill.js";
import { SimHeap } from "../../src/mm/sim-heap.js";
import { instantiateAccessLoop } from "../../src/mm/wasm-loops.js";

const BASE = 0x10000000;

function spec(phases: WorkloadSpec["threads"][0]["phases"], perPick = 8): WorkloadSpec {
  return {
    name: "t",
    description: "test",
    regions: [
      { name: "a", sizeBytes: 10 * 4096 },
      { name: "b", sizeBytes: 4 * 4096 },
    ],
    threads: [{ cpu: 0, phases }],
    accessesPerPick: perPick,
  };
}

function drain(s: PhasedStream, nowNs: number, cap = 4): number[] {
  const a = new Float64Array(cap);
  const w = new Uint8Array(cap);
  const n = s.fill(a, w, nowNs);
  return Array.from(a.subarray(0, n), (x) => x - BASE);
}

test("sequential offsets advance by stride, wrap to 0, and persist across picks and phases", () => {
  const seqA = { region: 0, kind: "seq" as const, strideBytes: 4096, probability: 1, mode: "wo" as const };
  const sp = spec([
    { name: "p0", durationNs: 100, patterns: [seqA] },
    { name: "p1", durationNs: 100, patterns: [seqA] },
  ]);
  const s = new PhasedStream(sp, 0, [BASE, BASE + 0x100000], new Rng(1), 0);
  const got: number[] = [];
  got.push(...drain(s, 0), ...drain(s, 0)); // one pick of 8 in phase 0
  got.push(...drain(s, 50), ...drain(s, 50)); // second pick, still phase 0 (50 ≤ 100)
  got.push(...drain(s, 150)); // time is up: phase 1 starts; offset continues
  const pages = got.map((x) => x / 4096);
  // masim advances before accessing: the first access is at one stride.
  assert.deepEqual(pages, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  assert.equal(s.phase, 1);
});

test("phase ends at the first pick boundary after its duration; every phase gets a pick", () => {
  const events: PhaseEvent[] = [];
  const rnd = { region: 1, kind: "random" as const, strideBytes: 0, probability: 1, mode: "ro" as const };
  const s = new PhasedStream(
    spec([
      { name: "x", durationNs: 1000, patterns: [rnd] },
      { name: "y", durationNs: 0, patterns: [rnd] },
      { name: "z", durationNs: 10, patterns: [rnd] },
    ]),
    0,
    [BASE, BASE],
    new Rng(1),
    5,
    (e) => events.push(e),
  );
  const a = new Float64Array(8);
  const w = new Uint8Array(8);
  assert.equal(s.fill(a, w, 0), 8);
  assert.equal(s.fill(a, w, 1000), 8, "1000 is not > 1000: still phase x");
  assert.equal(s.phase, 0);
  assert.equal(s.fill(a, w, 1001), 8);
  assert.equal(s.phase, 1, "phase y, even with duration 0, gets one pick");
  assert.equal(s.fill(a, w, 1002), 8);
  assert.equal(s.phase, 2);
  assert.equal(s.fill(a, w, 1013), 0);
  assert.equal(s.finished, true);
  assert.deepEqual(
    events.map((e) => [e.timeNs, e.tid, e.phase, e.name]),
    [
      [0, 5, 0, "x"],
      [1001, 5, 1, "y"],
      [1002, 5, 2, "z"],
    ],
  );
  for (const x of a) assert.ok(x >= BASE && x < BASE + 4 * 4096, "random offsets stay in the region");
  assert.ok(
    w.every((x) => x === 0),
    "ro → reads",
  );
});

test("a phase with total probability 0 sleeps until its time is up", () => {
  const s = new PhasedStream(
    spec([
      {
        name: "idle",
        durationNs: 500,
        patterns: [{ region: 0, kind: "seq", strideBytes: 64, probability: 0, mode: "wo" }],
      },
      {
        name: "work",
        durationNs: 10,
        patterns: [{ region: 0, kind: "seq", strideBytes: 64, probability: 1, mode: "wo" }],
      },
    ]),
    0,
    [BASE, BASE],
    new Rng(1),
    0,
  );
  const a = new Float64Array(8);
  const w = new Uint8Array(8);
  assert.equal(s.fill(a, w, 0), 0);
  assert.equal(s.finished, false);
  assert.equal(s.resumeNs, 501);
  assert.equal(s.fill(a, w, 501), 8);
  assert.equal(s.phase, 1);
  assert.ok(
    w.every((x) => x === 1),
    "wo → writes",
  );
});

test("pattern picks follow the probabilities", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
      const pat = (region: number, probability: number) => ({
        region,
        kind: "random" as const,
        strideBytes: 0,
        probability,
        mode: "rw" as const,
      });
      const s = new PhasedStream(
        spec([{ name: "p", durationNs: 1e18, patterns: [pat(0, 80), pat(1, 20), pat(0, 0)] }], 1),
        0,
        [BASE, BASE + 0x100000],
        new Rng(seed),
        0,
      );
      const a = new Float64Array(1);
      const w = new Uint8Array(1);
      let inB = 0;
      const N = 20000;
      for (let i = 0; i < N; i++) {
        s.fill(a, w, 0);
        if (a[0] >= BASE + 0x100000) inB++;
      }
      // 20 % ± 5 sigma (sigma = sqrt(N p (1-p)) ≈ 57).
      assert.ok(Math.abs(inB - 0.2 * N) < 5 * 57, `${inB} of ${N}`);
      assert.equal(s.picks[0], N);
    }),
    { numRuns: 5, seed: 7 },
  );
});

test("zipf items: rank 0 is the most popular and each read touches its lines", () => {
  const sp = oneZipfSpec(1024 * 1024, { itemBytes: 1024, skew: 1, linesPerItem: 4 });
  const s = new PhasedStream(sp, 0, [BASE], new Rng(3), 0);
  const a = new Float64Array(4000);
  const w = new Uint8Array(4000);
  s.fill(a, w, 0);
  const counts = new Map<number, number>();
  for (let i = 0; i < a.length; i += 4) {
    const item = Math.floor((a[i] - BASE) / 1024);
    for (let k = 1; k < 4; k++) assert.equal(a[i + k] - a[i], 64 * k, "lines of one item");
    counts.set(item, (counts.get(item) ?? 0) + 1);
  }
  const c0 = counts.get(0) ?? 0;
  const c1 = counts.get(1) ?? 0;
  const c9 = counts.get(9) ?? 0;
  assert.ok(c0 > c1 && c1 > c9, `${c0} ${c1} ${c9}`);
});

/** The running-sum walk fillSeq's closed form must equal (masim's `offset += stride`, wrapping to 0). */
function fillSeqReference(n: number, base: number, off: number, stride: number, len: number) {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    off += stride;
    if (off >= len) off = 0;
    a[i] = base + off;
  }
  return { addrs: Array.from(a), off };
}

test("fillSeq's runs write the running sum's addresses and offset, wraps included, with either batch writer", () => {
  const heap = new SimHeap(64 << 20);
  const { batchFill } = instantiateAccessLoop(heap);
  const inHeap = heap.f64(301);
  const run = (n: number, base: number, off: number, stride: number, len: number) => {
    const want = fillSeqReference(n, base, off, stride, len);
    for (const [a, batch] of [
      [new Float64Array(n + 1), JS_BATCH_FILL],
      [inHeap.subarray(0, n + 1), batchFill],
    ] as const) {
      a.fill(-1);
      const last = fillSeq(a, n, base, off, stride, len, batch);
      assert.deepEqual(
        { addrs: Array.from(a.subarray(0, n)), off: last },
        want,
        `n ${n} base ${base} off ${off} stride ${stride} len ${len}`,
      );
      assert.equal(a[n], -1, "wrote past n");
    }
  };
  // Exact boundaries: a walk that lands on len, one past it, a stride of len and above.
  run(10, BASE, 0, 4096, 4 * 4096);
  run(10, BASE, 3 * 4096, 4096, 4 * 4096);
  run(7, BASE, 4096, 4096 * 4, 4 * 4096);
  run(5, BASE, 0, 5 * 4096, 4 * 4096);
  run(5, BASE, 9 * 4096, 4096, 4 * 4096); // an offset already past len wraps first
  run(3, 2 ** 46, 2 ** 45, 2 ** 44, 2 ** 46);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 1, max: 2 ** 20 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 0, max: 2 ** 20 }),
      (n, base, len, stride, off) => run(n, base, Math.min(off, len + stride), stride, len),
    ),
    { seed: 17, numRuns: 3000 },
  );
  // Operands the closed form does not take: fractions and a zero stride use the running sum.
  run(20, BASE + 0.5, 0, 4096, 10 * 4096);
  run(20, BASE, 0.25, 1000.5, 7777);
  run(20, BASE, 64, 0, 4096);
});
