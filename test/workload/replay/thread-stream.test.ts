/**
 * The replay's per-thread streams over the shared chunk cache: each thread gets exactly
 * its own traced accesses in order, each chunk is decoded once per loop for all threads,
 * a thread far behind the others still gets the right accesses when the cache drops
 * chunks, and a trace changed after the scan is a clear error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../../src/util/rng.js";
import { MAX_CACHED_CHUNKS } from "../../../src/workload/replay/chunk-cache.js";
import { lastDueClock } from "../../../src/workload/replay/thread-stream.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import { replayWorkload, type ReplayInstance } from "../../../src/workload/trace-replay.js";
import { writeTrace, type Accesses } from "../trace/helpers.js";
import { multiThreadTrace } from "./traces.js";

const dir = mkdtempSync(join(tmpdir(), "dt-stream-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** The traced accesses of `tid`, `loops` times over, as "addr:w" strings. */
function tracedOf(a: Accesses, tid: number, loops: number): string[] {
  const one = a.addr.flatMap((x, i) => (a.tid[i] === tid ? [`${x}:${a.isWrite[i]}`] : []));
  return Array.from({ length: loops }, () => one).flat();
}

/** Records what every replay stream hands the machine. */
function recordStreams(inst: ReplayInstance): string[][] {
  return inst.replayStreams.map((s) => {
    const got: string[] = [];
    const fill = s.fill.bind(s);
    // fill calls itself at a loop boundary (through this wrapper): record the outer call only.
    let depth = 0;
    s.fill = (addrs, writes, now) => {
      depth++;
      const k = fill(addrs, writes, now);
      if (--depth === 0) for (let i = 0; i < k; i++) got.push(`${addrs[i]}:${writes[i]}`);
      return k;
    };
    return got;
  });
}

for (const seed of [1, 2, 3]) {
  void test(`seed ${seed}: each thread replays exactly its own accesses; each chunk is decoded once per loop`, () => {
    for (const [threads, maxRun] of [
      [1, 1],
      [3, 40],
      [5, 3],
    ] as const) {
      // Fewer chunks than the cache holds: however far the threads drift apart, none is dropped.
      const { path, a } = multiThreadTrace(dir, seed, threads, 12_000, maxRun, 1024);
      const loops = 2;
      const s = setupSimulation(replayWorkload(path, { loops }), { truth: null });
      const inst = s.workload as ReplayInstance;
      const got = recordStreams(inst);
      assert.equal(s.sim.run().reason, "threads-finished");
      const chunks = Math.ceil(a.addr.length / 1024);
      assert.ok(chunks <= MAX_CACHED_CHUNKS);
      assert.equal(inst.scan.chunkOffsets.length, chunks);
      assert.equal(inst.shared.chunks.decodes, chunks * loops, `${threads} threads: decodes`);
      inst.scan.threads.forEach((t, k) => {
        const traced = tracedOf(a, t.tid, loops);
        assert.ok(
          got[k].length === traced.length && got[k].every((x, i) => x === traced[i]),
          `${threads} threads, thread ${t.tid}: replayed accesses differ from the trace`,
        );
      });
      // Every traced access was run or counted invalid (the B accesses after its unmap).
      const st = s.machine.stats();
      assert.equal(
        st.accesses + st.threads.reduce((x, t) => x + t.invalidAccesses, 0),
        a.addr.length * loops,
      );
    }
  });
}

void test("fill: the binary search over ascending clocks cuts the same batches as the access-by-access scan", () => {
  for (const seed of [1, 2, 3]) {
    const { path } = multiThreadTrace(dir, seed, 3, 12_000, 40, 1024);
    const batches = (search: boolean): string[] => {
      // 20 ns per instruction: batches end at the 2 µs limit, a few dozen accesses each.
      const s = setupSimulation(replayWorkload(path, { loops: 2, nsPerInstruction: 20 }), { truth: null });
      const inst = s.workload as ReplayInstance;
      const cache = inst.shared.chunks;
      const get = cache.get.bind(cache);
      let ascending = 0;
      cache.get = (k) => {
        const c = get(k);
        ascending += c.clocksAscend ? 1 : 0;
        if (!search) c.clocksAscend = false;
        return c;
      };
      const out: string[] = [];
      for (const st of inst.replayStreams) {
        const fill = st.fill.bind(st);
        st.fill = (addrs, writes, now) => {
          const k = fill(addrs, writes, now);
          out.push(`${st.tid}@${now}:${k}`);
          return k;
        };
      }
      s.sim.run();
      if (search) assert.ok(ascending > 0, "the trace's clocks ascend");
      return out;
    };
    const a = batches(true);
    const b = batches(false);
    assert.ok(a.length > 100, `${a.length} fills`);
    assert.deepEqual(a, b, `seed ${seed}`);
  }
});

void test("a thread far behind the others: chunks dropped from the cache are decoded again, accesses unchanged", () => {
  const { path, a } = multiThreadTrace(dir, 4, 2, 256 * (MAX_CACHED_CHUNKS + 24), 20);
  const s = setupSimulation(replayWorkload(path), { truth: null });
  const inst = s.workload as ReplayInstance;
  const [s0, s1] = inst.replayStreams;
  const batch = new Float64Array(4096);
  const w = new Uint8Array(4096);
  // Thread 0 runs the whole trace before thread 1 starts: every chunk waits for thread 1.
  const drain = (st: typeof s0): string[] => {
    const out: string[] = [];
    for (let k; (k = st.fill(batch, w, 1e18)) > 0;)
      for (let i = 0; i < k; i++) out.push(`${batch[i]}:${w[i]}`);
    return out;
  };
  const got0 = drain(s0);
  const got1 = drain(s1);
  assert.ok(s1.finished && s0.fill(batch, w, 1e18) === 0 && s0.finished);
  const chunks = inst.scan.chunkOffsets.length;
  assert.ok(inst.shared.chunks.decodes > chunks, `${inst.shared.chunks.decodes} decodes of ${chunks} chunks`);
  assert.deepEqual(got0, tracedOf(a, inst.scan.threads[0].tid, 1));
  assert.deepEqual(got1, tracedOf(a, inst.scan.threads[1].tid, 1));
});

// With a decode-ahead worker too: the worker cannot decode those chunks either, and
// the main thread decodes them again and reports the error the same way.
for (const decodeAhead of [false, "patient"] as const) {
  void test(`a trace rewritten between the scan and the replay: a FormatError naming the file and offset (decodeAhead ${decodeAhead})`, () => {
    const { path } = multiThreadTrace(dir, 5, 2, 3000, 10);
    const spec = replayWorkload(path, { decodeAhead });
    // Same accesses, other chunk boundaries: the scanned offsets no longer hold access chunks.
    const other = multiThreadTrace(dir, 6, 2, 3000, 10);
    writeFileSync(path, writeTrace(other.a, { chunkAccesses: 1000 }));
    const s = setupSimulation(spec, { truth: null });
    assert.throws(
      () => s.sim.run(),
      (e: Error) =>
        e.name === "FormatError" &&
        /changed since it was scanned/.test(e.message) &&
        e.message.includes(path) &&
        /offset \d+/.test(e.message),
    );
  });
}

void test("lastDueClock: every clock up to it is due by the limit, the next integer clock is not", () => {
  const due = (base: number, c0: number, rate: number, limit: number, c: number) =>
    base + (c - c0) * rate <= limit;
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    for (let k = 0; k < 2000; k++) {
      const c0 = rng.randRange(0, 2 ** 40);
      const rate = [0.5, 0.3, 1 / 3, 7.1, 1e-3][rng.randRange(0, 5)];
      const base = rng.randRange(0, 2 ** 30) * 0.37;
      const limit = base + rng.randRange(0, 2 ** 20) * 1.13;
      const c = lastDueClock(base, c0, rate, limit);
      assert.ok(Number.isInteger(c), `seed ${seed}: ${c}`);
      assert.ok(
        due(base, c0, rate, limit, c) && !due(base, c0, rate, limit, c + 1),
        `seed ${seed} case ${k}`,
      );
      // Monotone: clocks below it are due too.
      assert.ok(due(base, c0, rate, limit, c - rng.randRange(0, 1000)));
    }
  }
});
