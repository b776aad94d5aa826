/**
 * Decoding a replay's chunks ahead on a worker thread (replay/decode-ahead.ts): a
 * replay runs the same with the worker as without it, the worker's chunks are the
 * ones used when it has them, and a chunk it cannot decode is the same error as
 * before. "patient" makes the main thread wait for the worker wherever it can, so
 * these tests take the worker's path whatever the host's timing.
 * (thread-stream.test.ts checks a damaged chunk with the worker too.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { decodeAheadWorkers, warmDecodeAhead } from "../../../src/workload/replay/decode-ahead.js";
import { SLOT_ACCESSES } from "../../../src/workload/replay/decode-ahead-slots.js";
import { scanAccesses, scanTrace } from "../../../src/workload/replay/trace-scan.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import {
  replayWorkload,
  type ReplayInstance,
  type ReplayOptions,
} from "../../../src/workload/trace-replay.js";
import { projectRoot } from "../../../src/workload/trace/valgrind-tool.js";
import { workloadFromOptions } from "../../../src/cli/commands/run.js";
import { cellOptions } from "../../../src/cli/sweep-cell.js";
import { UsageError } from "../../../src/util/errors.js";
import { cli } from "../../cli/helpers.js";
import { multiThreadTrace } from "./traces.js";

const fixtures = join(projectRoot(), "test", "fixtures", "traces");
const dir = mkdtempSync(join(tmpdir(), "dt-ahead-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  assert.ok((await warmDecodeAhead()) >= 1, "a decode-ahead worker starts");
});

interface Replayed {
  /** What the machine ran: accesses, invalid accesses, each CPU's clock and TLB counters. */
  fingerprint: string;
  decodes: number;
  hits: number;
  chunks: number;
}

function replay(path: string, opts: ReplayOptions, untilNs?: number): Replayed {
  const s = setupSimulation(replayWorkload(path, opts), { truth: null, machine: {} });
  s.sim.run(untilNs === undefined ? {} : { untilNs });
  const m = s.machine;
  const st = m.stats();
  const inst = s.workload as ReplayInstance;
  return {
    fingerprint: JSON.stringify([
      m.totalAccesses(),
      st.threads.map((t) => t.invalidAccesses),
      m.cpus.map((c) => [c.timeNs, c.tlb?.hits, c.tlb?.misses]),
    ]),
    decodes: inst.shared.chunks.decodes,
    hits: inst.shared.chunks.aheadHits,
    chunks: inst.scan.chunkOffsets.length,
  };
}

for (const [name, loops, threads] of [
  ["sort", 2, 1],
  ["python-dict", 1, 1],
  ["xz-threads", 1, 3],
  ["awk-dict", 1, 1],
] as const) {
  void test(`${name} (${threads} thread(s), ${loops} loop(s)): the same replay with and without the worker; its chunks are used`, () => {
    const path = join(fixtures, `${name}.dtrace`);
    const alone = replay(path, { loops, decodeAhead: false });
    assert.equal(alone.hits, -1, "no worker when told not to");
    const patient = replay(path, { loops, decodeAhead: "patient" });
    const eager = replay(path, { loops, decodeAhead: true });
    assert.equal(patient.fingerprint, alone.fingerprint);
    assert.equal(eager.fingerprint, alone.fingerprint);
    for (const r of [alone, patient, eager])
      assert.equal(r.decodes, r.chunks * loops, "each chunk decoded once per loop");
    if (threads === 1)
      assert.equal(patient.hits, patient.decodes, "a lone thread gets every chunk from the worker");
    else
      assert.ok(
        patient.hits > patient.decodes / 2,
        `${patient.hits} of ${patient.decodes} chunks from the worker`,
      );
  });
}

void test("seeded multi-thread traces, one to five threads, loops: the same replay with the worker (30 cases)", () => {
  let hits = 0;
  for (let seed = 1; seed <= 10; seed++) {
    for (const [threads, maxRun] of [
      [1, 1],
      [3, 40],
      [5, 3],
    ] as const) {
      const { path } = multiThreadTrace(dir, seed, threads, 6000, maxRun, 256);
      const loops = 1 + (seed % 3);
      const alone = replay(path, { loops, decodeAhead: false });
      const patient = replay(path, { loops, decodeAhead: "patient" });
      assert.equal(patient.fingerprint, alone.fingerprint, `seed ${seed}, ${threads} threads`);
      assert.equal(patient.decodes, alone.decodes, `seed ${seed}, ${threads} threads: decodes`);
      hits += patient.hits;
    }
  }
  assert.ok(hits > 0, "the worker's chunks were used");
});

void test("a replay cut short leaves its worker busy for a while: later replays run the same, on at most two workers", () => {
  const path = join(fixtures, "sort.dtrace");
  const whole = replay(path, { decodeAhead: false });
  const cut = replay(path, { decodeAhead: "patient" }, 200_000);
  assert.ok(cut.decodes < cut.chunks, "the run stopped part-way");
  for (let i = 0; i < 3; i++)
    assert.equal(replay(path, { decodeAhead: "patient" }).fingerprint, whole.fingerprint);
  assert.ok(decodeAheadWorkers().started <= 2, `${decodeAheadWorkers().started} workers`);
});

void test("a trace with chunks larger than a slot (written with a larger chunkAccesses) replays alone, the same", () => {
  const big = SLOT_ACCESSES + 1000;
  const { path } = multiThreadTrace(dir, 9, 2, 2 * big + 5, 30, big);
  // The same largest chunk from the access index and from decoding every chunk.
  assert.equal(scanTrace(path).largestChunk, big);
  assert.equal(scanAccesses(path).largestChunk, big);
  const alone = replay(path, { decodeAhead: false });
  const asked = replay(path, { decodeAhead: "patient" });
  assert.equal(asked.hits, -1, "no worker for chunks larger than its slots");
  assert.equal(asked.fingerprint, alone.fingerprint);
  // A trace of default-sized chunks gets one.
  assert.ok(replay(join(fixtures, "sort.dtrace"), { decodeAhead: "patient" }).hits > 0);
});

void test("--decode-ahead on, off, auto: the worker as asked, the same run --json; another mode is refused naming the flag", () => {
  const path = join(fixtures, "sort.dtrace");
  const hits = (mode: string): number => {
    const spec = workloadFromOptions(`trace:${path}`, cellOptions([`--decode-ahead=${mode}`], "test"));
    const s = setupSimulation(spec, { truth: null, machine: {} });
    s.sim.run();
    return (s.workload as ReplayInstance).shared.chunks.aheadHits;
  };
  assert.equal(hits("off"), -1, "off: no worker");
  assert.ok(hits("on") >= 0, "on: a worker");
  assert.throws(
    () => workloadFromOptions(`trace:${path}`, cellOptions(["--decode-ahead=fast"], "test")),
    (e: unknown) =>
      e instanceof UsageError && e.where === "--decode-ahead" && /auto, on or off/.test(e.message),
  );
  const args = ["run", `trace:${path}`, "--json", "--sample", "20us", "--aggr", "1ms", "--update", "1ms"];
  const outs = ["off", "on", "auto"].map((m) => {
    const r = cli([...args, "--decode-ahead", m]);
    assert.equal(r.code, 0, r.err);
    return r.out;
  });
  assert.ok(outs[0].length > 1000);
  assert.equal(outs[1], outs[0], "on = off");
  assert.equal(outs[2], outs[0], "auto = off");
  const bad = cli([...args, "--decode-ahead", "fast"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--decode-ahead: 'fast' is not a mode: auto, on or off/);
  assert.equal(bad.out, "");
});
