/**
 * JSON records from 1 MiB on are read (and inflated) on a worker thread into reused
 * shared slots cut at snapshot boundaries, and the worker reads some slots'
 * snapshots itself (src/record/read-worker.ts, slot-snapshots.ts). Reading through
 * the worker must give exactly what the in-thread reader gives — whichever slots
 * the worker reads, in every layout and shape — and the same errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import { readRecords } from "../../src/record/read.js";
import { readOnWorker } from "../../src/record/read-worker.js";
import { writeRecords } from "../../src/record/write.js";
import { damoJsonChunks } from "../../src/record/damo-layout.js";
import { emptyRecord, makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { FormatError } from "../../src/util/errors.js";
import { tempDir } from "../helpers/temp.js";
import { synthSnapshots } from "./helpers.js";

const VIA_WORKER = 0;
const IN_THREAD = Infinity;

function record(seed: number, nrSnapshots: number, nrRegions: number, target = 0): DamonRecord {
  const rec = emptyRecord(String(target), { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000, goal: null });
  for (const s of synthSnapshots(seed, nrSnapshots, nrRegions))
    rec.snapshots.push(makeSnapshot(s.startNs, s.endNs, s.regions));
  return { ...rec, kdamondIdx: 0, contextIdx: 0 };
}

/** The text damo writes for the record (indent 4, percent, usec, probe_hits). */
function text(rec: DamonRecord): string {
  return [...damoJsonChunks([rec])].join("");
}

function sameRecords(a: DamonRecord[], b: DamonRecord[]): void {
  assert.equal(a.length, b.length);
  for (let r = 0; r < a.length; r++) {
    const [x, y] = [a[r], b[r]];
    assert.equal(x.snapshots.length, y.snapshots.length);
    assert.deepEqual({ ...x, snapshots: [] }, { ...y, snapshots: [] });
    for (let i = 0; i < x.snapshots.length; i++) {
      const [p, q] = [x.snapshots[i], y.snapshots[i]];
      assert.deepEqual(
        { ...p, start: [...p.start], end: [...p.end], samples: [...p.samples], age: [...p.age] },
        { ...q, start: [...q.start], end: [...q.end], samples: [...q.samples], age: [...q.age] },
        `snapshot ${i}`,
      );
      assert.deepEqual([...p.szFilterPassed], [...q.szFilterPassed]);
    }
  }
}

void test("worker-inflated reads equal in-thread reads: damo's layout, snapshots across slot boundaries", async () => {
  const dir = tempDir("damon-ts-inflate-");
  // seeds pinned; 4 MiB slots, so a 9 MiB text crosses two boundaries, mid-snapshot
  for (const [seed, snaps, regions] of [
    [1, 40, 400],
    [2, 3, 9000],
    [3, 200, 3],
  ] as const) {
    const rec = record(seed, snaps, regions);
    const t = text(rec);
    for (const [name, bytes] of [
      ["z", deflateSync(t)],
      ["gz", gzipSync(t)],
    ] as const) {
      const path = join(dir, `s${seed}.${name}`);
      writeFileSync(path, bytes);
      const viaWorker = await readRecords(path, VIA_WORKER);
      sameRecords(viaWorker, await readRecords(path, IN_THREAD));
      assert.equal(viaWorker[0].snapshots.length, snaps);
      assert.equal(viaWorker[0].snapshots[snaps - 1].nr, regions);
      assert.equal(
        viaWorker[0].snapshots[snaps - 1].start[regions - 1],
        rec.snapshots[snaps - 1].start[regions - 1],
      );
    }
  }
});

void test("a snapshot bigger than a slot is carried over several slots", async () => {
  const dir = tempDir("damon-ts-inflate-");
  // one snapshot of 20,000 regions in damo's layout is ~11 MB of text: three slots
  const rec = record(4, 2, 20000);
  const path = join(dir, "big.z");
  writeFileSync(path, deflateSync(text(rec)));
  const got = await readRecords(path, VIA_WORKER);
  sameRecords(got, await readRecords(path, IN_THREAD));
  assert.equal(got[0].snapshots[1].nr, 20000);
});

async function errorOf(path: string, minBytes: number): Promise<string> {
  try {
    await readRecords(path, minBytes);
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("no error");
}

void test("corrupt, truncated and bad-JSON compressed files give the same error through the worker", async () => {
  const dir = tempDir("damon-ts-inflate-");
  const t = text(record(5, 30, 300));
  const z = deflateSync(t);
  const flipped = Buffer.from(z);
  for (let i = z.length >> 1; i < (z.length >> 1) + 16; i++) flipped[i] ^= 0x5a;
  const badJson = t.replace('"end_time"', '"end_time" x');
  const cases: [string, Buffer][] = [
    ["truncated", z.subarray(0, z.length - 100)],
    ["flipped", flipped],
    ["bad-json", deflateSync(badJson)],
    ["cut-json", deflateSync(t.slice(0, t.length - 5000))],
  ];
  for (const [name, bytes] of cases) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const viaWorker = await errorOf(path, VIA_WORKER);
    assert.equal(viaWorker, await errorOf(path, IN_THREAD), name);
    assert.ok(viaWorker.includes(path), `${name}: names the file: ${viaWorker}`);
  }
});

/** Small slots: many cuts, at snapshots and inside records. */
const SMALL_SLOTS = 64 << 10;

void test("slots read by the worker equal in-thread reads: layouts, codecs, several targets", async () => {
  const dir = tempDir("damon-ts-slots-");
  // seeds pinned; three targets (records) of different shapes, so cuts fall inside
  // records, at record boundaries and before the first snapshot of a record
  for (const seed of [11, 12, 13]) {
    const recs = [record(seed, 30, 50, 0), record(seed + 100, 7, 700, 1), record(seed + 200, 60, 3, 2)];
    const damoText = [...damoJsonChunks(recs)].join("");
    const files: [string, Buffer][] = [
      ["damo.json", Buffer.from(damoText)],
      ["damo.z", deflateSync(damoText)],
      ["damo.gz", gzipSync(damoText)],
    ];
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    // damon-ts's own compact layout, compressed and not
    writeRecords(join(dir, "compact.z"), recs, "json_compressed", 0);
    writeRecords(join(dir, "compact.json"), recs, "json", 0);
    for (const name of ["damo.json", "damo.z", "damo.gz", "compact.z", "compact.json"]) {
      const path = join(dir, name);
      const expected = await readRecords(path, IN_THREAD);
      assert.equal(expected.length, 3);
      sameRecords(await readRecords(path, VIA_WORKER, { slotBytes: SMALL_SLOTS }), expected);
    }
  }
});

void test("slots cut at snapshots keep unusual snapshots whole", async () => {
  const dir = tempDir("damon-ts-slots-");
  const rec = record(21, 120, 100);
  // every 10th snapshot has a key the pattern reader does not know (damo ignores it)
  let k = 0;
  const text = [...damoJsonChunks([rec])]
    .join("")
    .replace(/"damos_stats": null/g, (m) => (k++ % 10 === 5 ? `${m},\n"extra": 1` : m));
  assert.equal(k, 120);
  const path = join(dir, "odd.z");
  writeFileSync(path, deflateSync(text));
  let pieces = 0;
  let atSnapshot = 0;
  for await (const p of readOnWorker(path, "zlib", { slotBytes: SMALL_SLOTS })) {
    pieces++;
    if (p[0] === 0x7b && p.subarray(0, 40).toString().includes('"start_time"')) atSnapshot++;
  }
  assert.ok(pieces > 10, `${pieces} pieces`);
  // every slot but the first starts at a snapshot
  assert.equal(atSnapshot, pieces - 1);
  const expected = await readRecords(path, IN_THREAD);
  sameRecords(await readRecords(path, VIA_WORKER, { slotBytes: SMALL_SLOTS }), expected);
});

void test("bad data read through the worker's slots gives the in-thread error", async () => {
  const dir = tempDir("damon-ts-slots-");
  const t = text(record(31, 100, 100));
  const at = Math.floor(t.length * 0.7);
  const cases: [string, string][] = [
    ["bad-number", t.slice(0, at) + t.slice(at).replace(/"samples": \d+/, '"samples": 01')],
    ["bad-key", t.slice(0, at) + t.slice(at).replace('"end_time"', '"end_time" x')],
    ["cut", t.slice(0, at)],
  ];
  for (const [name, body] of cases) {
    for (const [ext, bytes] of [
      ["json", Buffer.from(body)],
      ["z", deflateSync(body)],
    ] as const) {
      const path = join(dir, `${name}.${ext}`);
      writeFileSync(path, bytes);
      const inThread = await errorOf(path, IN_THREAD);
      let got = "";
      try {
        await readRecords(path, VIA_WORKER, { slotBytes: SMALL_SLOTS });
      } catch (e) {
        got = (e as Error).message;
      }
      assert.equal(got, inThread, `${name}.${ext}`);
    }
  }
});
