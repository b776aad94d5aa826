import assert from "node:assert/strict";
import { test } from "node:test";
import { Machine, PAGE_SIZE, Simulation, type AccessStream } from "../../src/mm/index.js";
import { GroundTruth, type TruthWindow } from "../../src/truth/index.js";
import { builtinWorkload, instantiateWorkload } from "../../src/workload/index.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };

function setup(tlb: boolean, logSamples = false) {
  const m = new Machine({ tlb: tlb ? undefined : false });
  const truth = new GroundTruth({ sampleNs: 1000, aggrNs: 4000, keepWindows: true, logSamples });
  m.attachTruth(truth);
  const as = m.createProcess("t");
  const base = as.mmap(8 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  const page = (i: number, times: number) => Array<number>(times).fill(base + i * PAGE_SIZE + 8 * i);
  return { m, truth, as, base, th, page };
}

/** page index → [positive samples, accesses] of a window. */
function table(w: TruthWindow, base: number): Map<number, [number, number]> {
  const t = new Map<number, [number, number]>();
  for (let i = 0; i < w.n; i++) t.set((w.vaddr[i] - base) / PAGE_SIZE, [w.positive[i], w.accesses[i]]);
  return t;
}

for (const tlb of [false, true]) {
  test(`hand-made sequence: per-page positive samples and counts per window (TLB ${tlb ? "on" : "off"})`, () => {
    const { m, truth, as, base, th, page } = setup(tlb);
    m.runAccesses(th, [...page(0, 3), ...page(1, 1)]); // sample 1
    truth.wake(1000);
    m.runAccesses(th, page(0, 2)); // sample 2
    truth.wake(2000);
    truth.wake(3000); // sample 3: nothing
    m.runAccesses(th, [...page(1, 5), ...page(2, 1)]); // sample 4
    truth.wake(4000); // window 0 closes
    m.runAccesses(th, page(0, 1));
    truth.wake(8000); // four boundaries at once: window 1 closes
    assert.equal(truth.windows.length, 2);
    const [w0, w1] = truth.windows;
    assert.equal(w0.samples, 4);
    assert.deepEqual(
      table(w0, base),
      new Map([
        [0, [2, 5]],
        [1, [2, 6]],
        [2, [1, 1]],
      ]),
    );
    assert.equal(w0.wssBytes, 3 * PAGE_SIZE);
    assert.equal(w0.totalAccesses, 12);
    assert.ok(w0.pid.every((p) => p === as.pid));
    for (let i = 0; i < w0.n; i++)
      assert.equal(w0.paddr[i], Math.floor(m.translate(as.pid, w0.vaddr[i]) / PAGE_SIZE) * PAGE_SIZE);
    assert.deepEqual(table(w1, base), new Map([[0, [1, 1]]]));
    assert.equal(w1.startNs, 4000);
    assert.equal(w1.endNs, 8000);
    assert.deepEqual(
      truth.summaries.map((s) => [s.pages, s.wssBytes, s.totalAccesses]),
      [
        [3, 3 * PAGE_SIZE, 12],
        [1, PAGE_SIZE, 1],
      ],
    );
  });
}

test("sample log: whether and how often each page was accessed in each sampling interval", () => {
  const { m, truth, base, th, page } = setup(false, true);
  m.runAccesses(th, [...page(0, 3), ...page(1, 1)]);
  truth.wake(1000);
  m.runAccesses(th, page(0, 2));
  truth.wake(3000);
  m.runAccesses(th, [...page(1, 5), ...page(2, 1), ...page(0, 0)]);
  truth.wake(4000);
  const w = truth.windows[0];
  const log = w.sampleLog!;
  const rows = Array.from({ length: log.n }, (_, r) => [
    (w.vaddr[log.entry[r]] - base) / PAGE_SIZE,
    log.sample[r],
    log.accesses[r],
  ]);
  assert.deepEqual(rows, [
    [0, 0, 3],
    [1, 0, 1],
    [0, 1, 2],
    [1, 3, 5],
    [2, 3, 1],
  ]);
  // Consistent with the window's totals.
  assert.deepEqual(
    table(w, base),
    new Map([
      [0, [2, 5]],
      [1, [2, 6]],
      [2, [1, 1]],
    ]),
  );
  assert.equal(setup(false).truth.logSamples, false, "off by default");
});

test("a frame freed and reused inside a window gives two entries with the right owners", () => {
  const { m, truth, as, base, th, page } = setup(false);
  m.runAccesses(th, page(3, 4));
  const pa = m.translate(as.pid, base + 3 * PAGE_SIZE);
  as.munmap(base + 3 * PAGE_SIZE, PAGE_SIZE);
  const other = as.mmap(PAGE_SIZE);
  m.runAccesses(th, [other, other]);
  assert.equal(
    Math.floor(m.translate(as.pid, other) / PAGE_SIZE),
    Math.floor(pa / PAGE_SIZE),
    "frame reused",
  );
  truth.wake(4000);
  const w = truth.windows[0];
  // Entries are in first-touch order: the old mapping's, then the new one's (here at the same address).
  const rows = Array.from({ length: w.n }, (_, i) => [w.vaddr[i], w.positive[i], w.accesses[i]]);
  assert.deepEqual(rows, [
    [base + 3 * PAGE_SIZE, 1, 4],
    [other, 1, 2],
  ]);
});

test("interval changes apply from the next window", () => {
  const { m, truth, th, page } = setup(false);
  truth.setIntervals(2000, 4000);
  m.runAccesses(th, page(0, 1));
  truth.wake(4000);
  assert.equal(truth.windows[0].samples, 4);
  assert.equal(truth.nextWakeNs(), 6000);
  truth.wake(6000);
  truth.wake(8000);
  assert.equal(truth.windows[1].samples, 2);
});

test("closing a window costs O(pages touched): a 16 GiB mapping with 3 hot pages gives 3 entries", () => {
  const m = new Machine({ tlb: false });
  const truth = new GroundTruth({ sampleNs: 1000, aggrNs: 1000 });
  m.attachTruth(truth);
  const as = m.createProcess("t");
  const big = as.mmap(16 * 2 ** 30);
  const th = m.spawnThread(as, 0, idle);
  let seen = -1;
  truth.onWindow = (w) => (seen = w.n);
  m.runAccesses(th, [big, big + 2 ** 33, big + 2 ** 34 - 1, big]);
  truth.wake(1000);
  assert.equal(seen, 3);
});

test("phase changes of a run are recorded in order with their times", () => {
  const m = new Machine({ tlb: false, cpus: 1 });
  const truth = new GroundTruth({ sampleNs: 1e6, aggrNs: 10e6 });
  m.attachTruth(truth);
  instantiateWorkload(m, builtinWorkload("zigzag", { timeScale: 0.01, sizeScale: 0.05 }), {
    onPhase: (e) => truth.markPhase(e),
  });
  const sim = new Simulation(m);
  sim.addAgent(truth);
  sim.run();
  const ph = truth.phaseChanges;
  assert.equal(ph.length, 9);
  assert.equal(ph[0].timeNs, 0);
  // 50 ms initial phase, then 25 ms each (masim checks after each pick, so a little later).
  assert.ok(ph[1].timeNs >= 50e6 && ph[1].timeNs < 52e6, String(ph[1].timeNs));
  for (let i = 2; i < ph.length; i++) {
    const d = ph[i].timeNs - ph[i - 1].timeNs;
    assert.ok(d > 25e6 && d < 27e6, String(d));
  }
  // A window inside a low/high phase sees exactly one region (5 MB → 1221 pages) as its working set.
  const mid = truth.summaries.find((s) => s.startNs >= ph[3].timeNs + 2e6)!;
  assert.equal(mid.pages, Math.ceil((5_000_000 + 16) / PAGE_SIZE));
});

test("interval validation: positive, and at most 65535 samples per window", () => {
  assert.throws(() => new GroundTruth({ sampleNs: 0, aggrNs: 1 }), RangeError);
  assert.throws(() => new GroundTruth({ sampleNs: 1, aggrNs: 65536 }), /65535/);
  const t = new GroundTruth({ sampleNs: 1, aggrNs: 65535 });
  assert.throws(() => t.setIntervals(1, 1e6), /65535/);
});

test("caller-closed windows: closeWindowAt ends the window at any time, a partial last interval counts as one", () => {
  const m = new Machine({ tlb: false });
  const truth = new GroundTruth({ sampleNs: 1000, aggrNs: 4000, keepWindows: true, windows: "caller" });
  m.attachTruth(truth);
  const as = m.createProcess("t");
  const base = as.mmap(8 * PAGE_SIZE);
  const th = m.spawnThread(as, 0, idle);
  m.runAccesses(th, [base, base]); // interval 1
  truth.wake(1000);
  m.runAccesses(th, [base + PAGE_SIZE]); // interval 2
  // Far past the clock's own window length (4 intervals): nothing closes by itself.
  truth.wake(9000);
  assert.equal(truth.windows.length, 0);
  m.runAccesses(th, [base]); // the partial interval 9000..9500
  truth.closeWindowAt(9500);
  const w0 = truth.windows[0];
  assert.deepEqual([w0.startNs, w0.endNs, w0.samples], [0, 9500, 10]);
  assert.deepEqual(
    table(w0, base),
    new Map([
      [0, [2, 3]],
      [1, [1, 1]],
    ]),
  );
  // The next window's grid starts where the last one ended.
  assert.equal(truth.nextWakeNs(), 10500);
  m.runAccesses(th, [base + 2 * PAGE_SIZE]);
  truth.closeWindowAt(10500);
  const w1 = truth.windows[1];
  assert.deepEqual([w1.startNs, w1.endNs, w1.samples], [9500, 10500, 1]);
  assert.deepEqual(table(w1, base), new Map([[2, [1, 1]]]));
});

test("caller-closed windows: at most 65535 intervals are counted; clock windows refuse closeWindowAt", () => {
  const truth = new GroundTruth({ sampleNs: 1, aggrNs: 1e9, windows: "caller" });
  truth.setIntervals(1, 1e9); // no 65535 limit on aggrNs: the caller decides the window
  truth.closeWindowAt(100_000);
  assert.equal(truth.summaries[0].samples, 65535);
  assert.throws(() => truth.closeWindowAt(50_000), RangeError);
  const clock = new GroundTruth({ sampleNs: 1000, aggrNs: 4000 });
  assert.throws(() => clock.closeWindowAt(4000), /caller/);
});
