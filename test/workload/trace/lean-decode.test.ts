/** A lean decoder (what a replay uses) must give the same addresses, writes, clocks and runs as a full one. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AccessDecoder, type AccessChunk } from "../../../src/workload/trace/access-decode.js";
import { inflatePayload, parseChunkHeader } from "../../../src/workload/trace/chunk-frame.js";
import { CHUNK_ACCESSES, CHUNK_HEADER_BYTES, FILE_PREFIX_BYTES } from "../../../src/workload/trace/format.js";
import { syntheticAccesses, writeTrace } from "./helpers.js";

const cols = (c: AccessChunk) => ({
  count: c.count,
  addr: [...c.addr.subarray(0, c.count)],
  isWrite: [...c.isWrite.subarray(0, c.count)],
  clock: [...c.clock.subarray(0, c.count)],
  runs: c.runs,
  runStart: [...c.runStart.subarray(0, c.runs + 1)],
  runTid: [...c.runTid.subarray(0, c.runs)],
});

void test("lean decode: same addresses, writes, clocks and runs as a full decode, no sizes or thread ids; clocksAscend exactly when no clock steps back (seeds 1-3, escapes, odd chunk sizes)", () => {
  for (const seed of [1, 2, 3]) {
    for (const chunkAccesses of [1, 5, 333, 4096]) {
      const b = Buffer.from(writeTrace(syntheticAccesses(seed, 3000), { chunkAccesses }));
      const full = new AccessDecoder();
      const lean = new AccessDecoder({ lean: true });
      let chunks = 0;
      let descending = 0;
      let prevLast = -Infinity;
      for (let p = FILE_PREFIX_BYTES + b.readUInt32LE(12); p < b.length;) {
        const h = parseChunkHeader(b, p)!;
        if (h.type === CHUNK_ACCESSES) {
          const raw = inflatePayload(
            b.subarray(p + CHUNK_HEADER_BYTES, p + CHUNK_HEADER_BYTES + h.compLen),
            h,
          );
          assert.equal(full.decode(raw, h.count), "");
          assert.equal(lean.decode(raw, h.count), "");
          assert.deepEqual(cols(lean.chunk), cols(full.chunk));
          const clocks = cols(full.chunk).clock;
          // The first clock steps from the last one before the chunk (format.md): a step back there counts.
          const ascend = clocks.every((c, i) => c >= (i === 0 ? prevLast : clocks[i - 1]));
          assert.equal(full.chunk.clocksAscend, ascend);
          assert.equal(lean.chunk.clocksAscend, full.chunk.clocksAscend);
          prevLast = clocks[clocks.length - 1];
          descending += full.chunk.clocksAscend ? 0 : 1;
          assert.equal(lean.chunk.size.length, 0);
          assert.equal(lean.chunk.tid.length, 0);
          chunks++;
          // A damaged size escape stream is still caught without decoding sizes.
          const sizeEscapes = Buffer.from(raw.buffer, raw.byteOffset, raw.length).readUInt32LE(16);
          if (sizeEscapes > 0) {
            const bad = Buffer.from(raw);
            bad.writeUInt32LE(sizeEscapes - 1, 16);
            assert.notEqual(lean.decode(bad, h.count), "");
          }
        }
        p += CHUNK_HEADER_BYTES + h.compLen;
      }
      assert.ok(chunks >= 1);
      if (chunkAccesses >= 333) assert.ok(descending > 0, "the stream has backward clock steps");
    }
  }
});
