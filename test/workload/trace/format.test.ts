import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { createTraceFile, TraceWriter } from "../../../src/workload/trace/writer.js";
import { FormatError } from "../../../src/util/errors.js";
import { collect, syntheticAccesses, writeTrace } from "./helpers.js";

void test("round trip: every field of every access comes back exactly (pinned seeds, several chunk sizes)", () => {
  for (const [seed, n, chunk] of [
    [1, 10_000, 1024],
    [2, 5_000, 4096],
    [3, 777, 64],
    [4, 1, 16],
    [5, 3, 1],
    [6, 20_003, 1 << 18],
  ]) {
    const a = syntheticAccesses(seed, n);
    const bytes = writeTrace(a, { chunkAccesses: chunk });
    const r = TraceReader.fromBytes(bytes);
    const got = collect(r);
    assert.deepEqual(got.addr, a.addr, `addr seed ${seed}`);
    assert.deepEqual(got.size, a.size, `size seed ${seed}`);
    assert.deepEqual(got.isWrite, a.isWrite, `isWrite seed ${seed}`);
    assert.deepEqual(got.tid, a.tid, `tid seed ${seed}`);
    assert.deepEqual(got.clock, a.clock, `clock seed ${seed}`);
    assert.equal(got.chunks, Math.ceil(n / chunk));
    assert.deepEqual(r.damage, []);
    assert.equal(r.partial, false);
    assert.equal(r.footer?.accesses, n);
    assert.deepEqual(
      r.footer?.threads,
      [...new Set(a.tid)].sort((x, y) => x - y),
    );
  }
});

void test("round trip holds for arbitrary access streams (property)", () => {
  const access = fc.record({
    addr: fc.integer({ min: 0, max: 2 ** 48 }),
    size: fc.integer({ min: 0, max: 0xffff }),
    isWrite: fc.integer({ min: 0, max: 1 }),
    tid: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    clock: fc.integer({ min: 0, max: 2 ** 50 }),
  });
  fc.assert(
    fc.property(
      fc.array(access, { minLength: 0, maxLength: 300 }),
      fc.integer({ min: 1, max: 64 }),
      (list, chunk) => {
        const a = {
          addr: list.map((x) => x.addr),
          size: list.map((x) => x.size),
          isWrite: list.map((x) => x.isWrite),
          tid: list.map((x) => x.tid),
          clock: list.map((x) => x.clock),
        };
        const got = collect(TraceReader.fromBytes(writeTrace(a, { chunkAccesses: chunk })));
        assert.deepEqual(got.addr, a.addr);
        assert.deepEqual(got.size, a.size);
        assert.deepEqual(got.isWrite, a.isWrite);
        assert.deepEqual(got.tid, a.tid);
        assert.deepEqual(got.clock, a.clock);
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

void test("memory-map events keep their access index and come before the chunk they apply to", () => {
  const a = syntheticAccesses(11, 3000);
  const events = [
    {
      at: 0,
      ev: {
        type: "map" as const,
        clock: 0,
        start: 0x108000,
        length: 0x3000,
        prot: "r-x",
        kind: "file" as const,
        name: "/usr/bin/x",
        startup: true,
      },
    },
    {
      at: 1500,
      ev: {
        type: "map" as const,
        clock: 5,
        start: 0x7f0000000000,
        length: 1 << 20,
        prot: "rw-",
        kind: "anon" as const,
      },
    },
    { at: 2999, ev: { type: "unmap" as const, clock: 9, start: 0x7f0000000000, length: 1 << 20 } },
    { at: 3000, ev: { type: "protect" as const, clock: 10, start: 0x108000, length: 0x1000, prot: "r--" } },
  ];
  const r = TraceReader.fromBytes(writeTrace(a, { chunkAccesses: 1000 }, events));
  let seenAccesses = 0;
  const order: [number, number][] = [];
  for (const item of r) {
    if (item.kind === "events") for (const ev of item.events) order.push([ev.index, seenAccesses]);
    else if (item.kind === "accesses") seenAccesses += item.count;
  }
  assert.deepEqual(
    order.map(([index]) => index),
    [0, 1500, 2999, 3000],
  );
  // Each event is yielded before any access at or after its index.
  for (const [index, seen] of order)
    assert.ok(seen <= index, `event at ${index} yielded after ${seen} accesses`);
  assert.equal(r.footer?.events, 4);
});

void test("compresses a realistic stream well and reports bytes written", () => {
  // A loop over an array with stack traffic: what real programs look like.
  const parts: Uint8Array[] = [];
  const w = new TraceWriter((b) => parts.push(b), {
    tool: "synthetic",
    clockUnit: "instructions",
    pageSize: 4096,
  });
  let clock = 0;
  for (let i = 0; i < 200_000; i++) {
    w.access(0x4a8a000 + (i % 50_000) * 8, 8, 0, 1, (clock += 3));
    w.access(0x1ffefff000 - 64, 8, 1, 1, (clock += 1));
  }
  w.finish({ partial: false });
  const total = parts.reduce((s, p) => s + p.length, 0);
  assert.equal(total, w.bytesWritten);
  assert.ok(total / 400_000 < 0.5, `${total / 400_000} bytes/access`);
});

void test("a trace file is written atomically and reads back from disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "dt-"));
  try {
    const path = join(dir, "t.dtrace");
    const f = createTraceFile(path, { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 });
    const a = syntheticAccesses(21, 5000);
    for (let i = 0; i < 5000; i++) f.writer.access(a.addr[i], a.size[i], a.isWrite[i], a.tid[i], a.clock[i]);
    assert.throws(() => statSync(path), /ENOENT/, "nothing at the final name before commit");
    f.commit({ partial: true, endReason: "interrupted" });
    const r = TraceReader.open(path);
    const got = collect(r);
    r.close();
    assert.deepEqual(got.addr, a.addr);
    assert.equal(r.partial, true);
    assert.equal(r.footer?.endReason, "interrupted");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("bad values are refused with a FormatError, not silently truncated", () => {
  const w = new TraceWriter(() => {}, { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 });
  assert.throws(() => w.access(-1, 8, 0, 1, 0), FormatError);
  assert.throws(() => w.access(1.5, 8, 0, 1, 0), FormatError);
  assert.throws(() => w.access(2 ** 53, 8, 0, 1, 0), FormatError);
  assert.throws(() => w.access(0, 70000, 0, 1, 0), FormatError);
  assert.throws(() => w.access(0, 8, 0, 1, 0.5), FormatError);
});

void test("not a trace / wrong version: one clear error naming the file", () => {
  assert.throws(
    () => TraceReader.fromBytes(Buffer.from("hello world, this is not a trace"), "x.bin"),
    /x\.bin: not a damon-ts trace/,
  );
  const bytes = Buffer.from(writeTrace(syntheticAccesses(1, 10)));
  bytes.writeUInt16LE(9, 8);
  assert.throws(() => TraceReader.fromBytes(bytes, "v9.dtrace"), /version 9 is not supported/);
});

void test("brotli chunks round trip too and are smaller on a realistic stream", () => {
  const parts: { deflate: number; brotli: number } = { deflate: 0, brotli: 0 };
  for (const codec of ["deflate", "brotli"] as const) {
    const a = syntheticAccesses(51, 20_000);
    const got = collect(TraceReader.fromBytes(writeTrace(a, { chunkAccesses: 4096, codec })));
    assert.deepEqual(got.addr, a.addr, codec);
    assert.deepEqual(got.clock, a.clock, codec);
    assert.deepEqual(got.size, a.size, codec);
    const sink: Uint8Array[] = [];
    const w = new TraceWriter(
      (b) => sink.push(b),
      { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 },
      { codec },
    );
    for (let i = 0; i < 100_000; i++)
      w.access(0x4a8a000 + ((i * 24) % 65536), 8, i % 3 === 0 ? 1 : 0, 1, i * 2);
    w.finish({ partial: false });
    parts[codec] = w.bytesWritten;
  }
  assert.ok(parts.brotli < parts.deflate, JSON.stringify(parts));
});
