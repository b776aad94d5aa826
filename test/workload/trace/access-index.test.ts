/**
 * The access index (format 1.1): a replay's scan taken from it must equal the scan
 * that decodes every access, on every trace where it is used, and every trace it
 * cannot vouch for (no index, damage, a chunk rewritten since, a stack mapped
 * inside a chunk) must fall back to decoding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";
import { scanAccesses, scanTrace, type TraceScan } from "../../../src/workload/replay/trace-scan.js";
import { addTraceIndex } from "../../../src/workload/trace/add-index.js";
import { CHUNK_HEADER_BYTES, CHUNK_INDEX, FILE_PREFIX_BYTES } from "../../../src/workload/trace/format.js";
import { traceInfo } from "../../../src/workload/trace/info.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { collect, syntheticAccesses, writeTrace, type Accesses } from "./helpers.js";

const FIX = fileURLToPath(new URL("../../fixtures/traces/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "damon-ts-index-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** The synthetic stream's first region sits just below this stack mapping. */
const STACK = 0x1fff000000;
const stackMap = {
  type: "map" as const,
  clock: 0,
  start: STACK,
  length: 0x100000,
  kind: "stack" as const,
  name: "[stack]",
};
const anonMap = { type: "map" as const, clock: 0, start: 0x100000, length: 0x100000, kind: "anon" as const };

function save(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Every chunk of a trace: offset, type, stored length. */
function chunksOf(b: Buffer): { offset: number; type: number; compLen: number }[] {
  const out = [];
  for (let p = FILE_PREFIX_BYTES + b.readUInt32LE(12); p < b.length;) {
    const compLen = b.readUInt32LE(p + 16);
    out.push({ offset: p, type: b[p + 4], compLen });
    p += CHUNK_HEADER_BYTES + compLen;
  }
  return out;
}

/** The trace without its index chunk (as a 1.0 writer would have written it, header aside). */
function withoutIndex(b: Buffer): Buffer {
  const c = chunksOf(b).find((x) => x.type === CHUNK_INDEX);
  assert.ok(c, "the writer wrote an index");
  return Buffer.concat([b.subarray(0, c.offset), b.subarray(c.offset + CHUNK_HEADER_BYTES + c.compLen)]);
}

const same = (a: TraceScan, b: TraceScan): void =>
  assert.deepEqual({ ...a, fromIndex: null }, { ...b, fromIndex: null });

function threaded(seed: number): Accesses {
  const a = syntheticAccesses(seed, 5000);
  // syntheticAccesses switches among 4 threads; interleave them more finely too.
  for (let i = 0; i < a.tid.length; i++) if (i % 7 === 3) a.tid[i] = 2000 + (i % 3);
  return a;
}

void test("index scan: equals the decoding scan on multi-thread traces with stack growth (seeds 1-3, several chunk sizes)", () => {
  for (const seed of [1, 2, 3]) {
    for (const chunkAccesses of [97, 1000, 4096]) {
      const a = threaded(seed);
      const bytes = writeTrace(a, { chunkAccesses }, [
        { at: 0, ev: stackMap },
        { at: 0, ev: anonMap },
        { at: 1500, ev: { type: "unmap", clock: 0, start: 0x100000, length: 0x1000 } },
      ]);
      const p = save(`t${seed}-${chunkAccesses}.dtrace`, bytes);
      const fast = scanTrace(p);
      assert.equal(fast.fromIndex, true);
      const full = scanAccesses(p);
      assert.equal(full.fromIndex, false);
      same(fast, full);
      assert.ok(fast.stackGrowthBytes > 0, "the stream reaches below the stack mapping");
      assert.ok(fast.threads.length >= 4);
    }
  }
});

void test("index scan: the fixture traces (real captures) read from their index, same as decoding them", () => {
  for (const name of ["sort", "xz-threads", "awk-dict", "python-dict"]) {
    const p = `${FIX}${name}.dtrace`;
    const fast = scanTrace(p);
    assert.equal(fast.fromIndex, true, name);
    same(fast, scanAccesses(p));
  }
});

void test("the index a writer writes is the one rebuilt from the accesses: adding it to the stripped file gives the same bytes", () => {
  for (const seed of [1, 2, 3]) {
    const bytes = Buffer.from(writeTrace(threaded(seed), { chunkAccesses: 777 }, [{ at: 0, ev: stackMap }]));
    const p = save(`strip${seed}.dtrace`, withoutIndex(bytes));
    assert.equal(scanTrace(p).fromIndex, false, "no index: decoded");
    assert.equal(addTraceIndex(p), true);
    assert.deepEqual(readFileSync(p), bytes);
    assert.equal(addTraceIndex(p), false, "already indexed");
    assert.equal(scanTrace(p).fromIndex, true);
  }
  // A damaged trace is not indexed, and left as it was.
  const bare = withoutIndex(Buffer.from(writeTrace(threaded(4), { chunkAccesses: 500 })));
  bare[Math.floor(bare.length / 2)] ^= 0x55;
  const p = save("damaged.dtrace", bare);
  assert.throws(() => addTraceIndex(p), /damaged\.dtrace: damaged at offset \d+: not indexed/);
  assert.deepEqual(readFileSync(p), bare);
});

void test("readers that skip the index read the same trace: items and trace info equal with and without it", () => {
  const bytes = Buffer.from(writeTrace(threaded(4), { chunkAccesses: 500 }, [{ at: 0, ev: stackMap }]));
  const bare = withoutIndex(bytes);
  assert.deepEqual(collect(TraceReader.fromBytes(bytes)), collect(TraceReader.fromBytes(bare)));
  const a = traceInfo(save("with.dtrace", bytes));
  const b = traceInfo(save("without.dtrace", bare));
  assert.ok(a.fileBytes > b.fileBytes);
  const strip = (x: typeof a) => ({ ...x, file: "", fileBytes: 0, bytesPerAccess: 0 });
  assert.deepEqual(strip(a), strip(b));
});

void test("index scan falls back to decoding: stack mapped inside a chunk, damage, a chunk rewritten with a valid checksum", () => {
  const a = threaded(5);
  // The stack is mapped after 10 accesses of the first chunk: the writer cannot say how far it grew.
  const mid = save(
    "mid.dtrace",
    writeTrace(a, { chunkAccesses: 1000 }, [
      { at: 0, ev: anonMap },
      { at: 10, ev: stackMap },
    ]),
  );
  const m = scanTrace(mid);
  assert.equal(m.fromIndex, false);
  same(m, scanAccesses(mid));
  assert.ok(m.stackGrowthBytes > 0);

  const clean = Buffer.from(writeTrace(a, { chunkAccesses: 1000 }, [{ at: 0, ev: stackMap }]));
  const access = chunksOf(clean).filter((c) => c.type === 1);
  // A flipped payload byte: the checksum fails, the scan decodes and reports it.
  const flipped = Buffer.from(clean);
  flipped[access[2].offset + CHUNK_HEADER_BYTES + 5] ^= 0x40;
  const d = scanTrace(save("flip.dtrace", flipped));
  assert.equal(d.fromIndex, false);
  assert.equal(d.damage.length, 1);
  assert.equal(d.damage[0].offset, access[2].offset);

  // The last access chunk replaced by another valid one of the same length (offsets unchanged).
  const last = access[access.length - 1];
  const other = Buffer.from(clean);
  const at = last.offset + CHUNK_HEADER_BYTES;
  const payload = Buffer.from(deflateRawSync(Buffer.alloc(64)));
  assert.ok(payload.length <= last.compLen);
  const stored = Buffer.alloc(last.compLen);
  payload.copy(stored);
  stored.copy(other, at);
  other.writeUInt32LE(crc32(stored), last.offset + 20);
  other.writeUInt32LE(crc32(other.subarray(last.offset, last.offset + 32)), last.offset + 32);
  const o = scanTrace(save("other.dtrace", other));
  assert.equal(o.fromIndex, false, "the index's checksum of that chunk differs");
  assert.equal(o.damage.length, 1, "decoding finds the chunk bad");

  // Cut before the footer: partial, decoded.
  const footerAt = chunksOf(clean).pop()!.offset;
  const cut = scanTrace(save("cut.dtrace", clean.subarray(0, footerAt)));
  assert.equal(cut.fromIndex, false);
  assert.equal(cut.footerMissing, true);
});
