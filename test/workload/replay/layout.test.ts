/** The replayed process's memory map: map events at their index, deferred unmaps, stack growth. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../../src/mm/machine.js";
import { ReplayLayout, protBits } from "../../../src/workload/replay/replay-layout.js";
import {
  MAX_REPLAY_THREADS,
  replayWorkload,
  type ReplayInstance,
} from "../../../src/workload/trace-replay.js";
import { InputError } from "../../../src/util/errors.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import type { MapEvent } from "../../../src/workload/trace/format.js";
import { writeTrace, type Accesses } from "../trace/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dt-replay-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const A = 0x10000000;
const B = 0x20000000;
const STACK = 0x7ff000000;

function emptyProcess() {
  const m = new Machine({ cpus: 2 });
  const as = m.createProcess("t");
  for (const v of [...as.vmas]) as.munmap(v.start, v.end - v.start);
  return as;
}

function ev(e: Omit<MapEvent, "clock">): MapEvent {
  return { clock: 0, ...e };
}

void test("maps apply when any thread reaches them; unmaps wait for every thread", () => {
  const as = emptyProcess();
  const l = new ReplayLayout(
    as,
    [
      ev({ type: "map", index: 0, start: A, length: 0x4000, kind: "anon" }),
      ev({ type: "map", index: 10, start: B, length: 0x2000, kind: "anon" }),
      ev({ type: "unmap", index: 50, start: B, length: 0x2000 }),
    ],
    2,
  );
  l.reach(0);
  assert.equal(as.vmas.length, 1);
  l.setPosition(0, 5);
  l.setPosition(1, 12);
  l.reach(12);
  assert.deepEqual(
    as.vmas.map((v) => v.start),
    [A, B],
  );
  l.setPosition(1, 55);
  l.reach(55);
  assert.ok(as.vmaAt(B) !== null, "thread 0 (at 5) may still use B");
  l.setPosition(0, 49);
  assert.ok(as.vmaAt(B) !== null);
  l.setPosition(0, 50);
  assert.equal(as.vmaAt(B), null, "both threads passed the unmap");
});

void test("a map over a pending unmap forces it first; remap moves; protect and stack growth", () => {
  const as = emptyProcess();
  const l = new ReplayLayout(
    as,
    [
      ev({ type: "map", index: 0, start: STACK, length: 0x2000, kind: "stack", name: "[stack]" }),
      ev({ type: "map", index: 0, start: B, length: 0x3000, kind: "anon", name: "b" }),
      ev({ type: "unmap", index: 20, start: B, length: 0x3000 }),
      ev({ type: "map", index: 30, start: B, length: 0x1000, kind: "file", name: "/x/prog", prot: "r-x" }),
      ev({ type: "remap", index: 40, start: B, length: 0x1000, to: A }),
      ev({ type: "protect", index: 41, start: A, length: 0x1000, prot: "r--" }),
    ],
    2,
    { stackGrowthBytes: 0x5000, program: "prog" },
  );
  l.reach(0);
  assert.equal(as.vmaAt(STACK)!.start, STACK - 0x5000, "stack extended downwards");
  l.setPosition(1, 0);
  l.setPosition(0, 30);
  l.reach(30);
  const b = as.vmaAt(B)!;
  assert.equal(b.end - b.start, 0x1000, "the old 3-page mapping was replaced by the new one");
  assert.equal(b.kind, "text");
  assert.equal(b.prot, protBits("r-x"));
  l.setPosition(1, 100);
  l.reach(41);
  assert.ok(as.vmaAt(B) !== null, "thread 0 has not passed the remap yet");
  l.setPosition(0, 45);
  assert.equal(as.vmaAt(B), null, "remap: the old range is gone");
  assert.equal(as.vmaAt(A)!.name, "/x/prog");
  assert.equal(as.vmaAt(A)!.prot, protBits("r--"));
  l.reset();
  assert.equal(as.vmas.length, 0);
  l.reach(0);
  assert.equal(as.vmas.length, 2, "a new loop starts from the start-up map");
});

/** One thread: A mapped at start, B mapped at 100, unmapped at 200 (then 50 stray accesses), stack growth. */
function syntheticTrace(): { path: string; a: Accesses } {
  const a: Accesses = { addr: [], size: [], isWrite: [], tid: [], clock: [] };
  const push = (addr: number, i: number) => {
    a.addr.push(addr);
    a.size.push(8);
    a.isWrite.push(i % 2);
    a.tid.push(7);
    a.clock.push(10 + i * 4);
  };
  for (let i = 0; i < 100; i++) push(A + (i % 16) * 4096, i);
  for (let i = 100; i < 200; i++) push(B + (i % 4) * 4096, i);
  for (let i = 200; i < 250; i++) push(B + 8, i);
  for (let i = 250; i < 260; i++) push(STACK - 3 * 4096 + 16, i);
  const bytes = writeTrace(a, {}, [
    { at: 0, ev: { type: "map", clock: 0, start: A, length: 16 * 4096, kind: "anon", prot: "rw-" } },
    { at: 0, ev: { type: "map", clock: 0, start: STACK, length: 0x2000, kind: "stack", name: "[stack]" } },
    { at: 100, ev: { type: "map", clock: 0, start: B, length: 4 * 4096, kind: "anon" } },
    { at: 200, ev: { type: "unmap", clock: 0, start: B, length: 4 * 4096 } },
  ]);
  const path = join(dir, "synthetic.dtrace");
  writeFileSync(path, bytes);
  return { path, a };
}

void test("replaying a synthetic trace: exact counts, layout, timing from the instruction clock", () => {
  const { path, a } = syntheticTrace();
  for (const [rate, loops] of [
    [0.5, 1],
    [5, 1],
    [5, 3],
  ] as const) {
    const s = setupSimulation(replayWorkload(path, { nsPerInstruction: rate, loops }), { truth: null });
    const r = s.sim.run();
    const st = s.machine.stats();
    assert.equal(r.reason, "threads-finished");
    assert.equal(st.threads.length, 1);
    assert.equal(st.threads[0].invalidAccesses, 50 * loops, "accesses after the unmap hit nothing");
    assert.equal(st.accesses, (a.addr.length - 50) * loops);
    const traceNs = (a.clock[a.clock.length - 1] - a.clock[0]) * rate;
    // Never ahead of the trace clock; behind it only by the simulated faults' cost.
    assert.ok(r.endNs >= traceNs * loops, `${r.endNs} < ${traceNs * loops}`);
    const faultsNs = st.threads[0].minorFaults * 1000;
    assert.ok(r.endNs <= traceNs * loops + faultsNs + 3000 * loops, `${r.endNs} vs ${traceNs}`);
    const inst = s.workload as ReplayInstance;
    assert.equal(inst.shared.loopStarts.length, loops);
    const names = s.workload.process.vmas.map((v) => v.start);
    assert.deepEqual(names, [A, STACK - 3 * 4096], "B is gone; the stack grew to the lowest stack access");
  }
});

void test("bad traces: missing file and a trace without map events are one-line input errors", () => {
  assert.throws(() => replayWorkload(join(dir, "nope.dtrace")), /nope\.dtrace/);
  const a: Accesses = { addr: [A], size: [8], isWrite: [0], tid: [1], clock: [1] };
  const p = join(dir, "noevents.dtrace");
  writeFileSync(p, writeTrace(a));
  const w = replayWorkload(p);
  assert.throws(
    () => setupSimulation(w),
    (e: Error) => e.name === "InputError" && /no memory-map events/.test(e.message),
  );
  assert.throws(() => replayWorkload(p, { loops: 0 }), /loop/);
  assert.throws(() => replayWorkload(p, { nsPerInstruction: -1 }), /ns per instruction/);
});

// One simulated CPU per traced thread, with no bound: a 49 KiB trace of 4000 thread ids
// passed 2.6 GB of host memory. Past MAX_REPLAY_THREADS it is refused, naming the file.
test("a trace with more threads than a replay runs is refused in one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "dt-threads-"));
  try {
    const n = MAX_REPLAY_THREADS + 1;
    const a = {
      addr: Array.from({ length: n }, (_, i) => 0x10000000 + 64 * i),
      size: Array.from({ length: n }, () => 8),
      isWrite: Array.from({ length: n }, () => 0),
      tid: Array.from({ length: n }, (_, i) => i + 1),
      clock: Array.from({ length: n }, (_, i) => i),
    };
    const file = join(dir, "many.dtrace");
    writeFileSync(
      file,
      writeTrace(a, {}, [
        {
          at: 0,
          ev: {
            type: "map",
            clock: 0,
            start: 0x10000000,
            length: 1 << 20,
            prot: "rw-",
            kind: "anon",
          },
        },
      ]),
    );
    assert.throws(
      () => replayWorkload(file),
      (e: Error) =>
        e instanceof InputError &&
        e.message.startsWith(`${file}: the trace has ${n} threads`) &&
        e.message.includes(`at most ${MAX_REPLAY_THREADS}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
