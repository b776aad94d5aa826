/**
 * Fuzz (issue 20): the trace binary reader and its consumers (trace info, the
 * replay scan, CSV export) on mutated traces: byte flips, cuts, spliced ranges,
 * and re-checksummed header, event, footer and chunk-header fields and access
 * payloads (a payload's own bytes edited, or bytes moved between its address lanes),
 * so the field and decoder checks are reached, not only the CRCs. Valid result or
 * one FormatError/InputError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { scanTrace } from "../../src/workload/replay/trace-scan.js";
import { traceToCsv } from "../../src/workload/trace/csv.js";
import { inflatePayload, parseChunkHeader } from "../../src/workload/trace/chunk-frame.js";
import { ACCESS_PRELUDE_BYTES, CHUNK_HEADER_BYTES, CHUNK_MAGIC } from "../../src/workload/trace/format.js";
import { traceInfo } from "../../src/workload/trace/info.js";
import { TraceReader } from "../../src/workload/trace/reader.js";
import { syntheticAccesses, writeTrace } from "../workload/trace/helpers.js";
import { expectTyped, newTally, report, runs, seed, withinMemory } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dt-fuzz-trace-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const EVENTS = [
  {
    at: 0,
    ev: {
      type: "map" as const,
      clock: 0,
      start: 0x100000,
      length: 0x200000,
      prot: "rw-",
      kind: "anon" as const,
    },
  },
  { at: 50, ev: { type: "protect" as const, clock: 5, start: 0x100000, length: 0x1000, prot: "r--" } },
  { at: 120, ev: { type: "remap" as const, clock: 9, start: 0x100000, length: 0x1000, to: 0x400000 } },
  { at: 200, ev: { type: "unmap" as const, clock: 12, start: 0x180000, length: 0x1000 } },
];

function base(seed: number, codec: "deflate" | "brotli"): Buffer {
  const a = syntheticAccesses(seed, 300);
  return Buffer.from(writeTrace(a, { chunkAccesses: 64, codec, level: 1 }, EVENTS));
}
/**
 * No size or clock escapes and only short address deltas: an access chunk's payload
 * ends 8 bytes after its last address lane, and the decoder's unchecked side-by-side
 * loop (left only at a 7-byte delta) runs every lane to its end.
 */
function plainBase(seed: number): Buffer {
  const a = syntheticAccesses(seed, 300);
  a.clock = a.clock.map((_, i) => 1000 + 3 * i);
  a.size = a.size.map(() => 8);
  a.addr = a.addr.map((x, i) => 0x100000 + ((x + 64 * i) % 0x10000));
  return Buffer.from(writeTrace(a, { chunkAccesses: 64, level: 1 }, EVENTS));
}
const BASES = [base(1, "deflate"), base(2, "brotli"), plainBase(3)];

interface Chunk {
  offset: number;
  type: number;
  compLen: number;
}
function chunks(b: Buffer): Chunk[] {
  const out: Chunk[] = [];
  if (b.length < 20) return out;
  let p = 20 + b.readUInt32LE(12);
  while (p + CHUNK_HEADER_BYTES <= b.length && b.readUInt32LE(p) === CHUNK_MAGIC) {
    const compLen = b.readUInt32LE(p + 16);
    out.push({ offset: p, type: b[p + 4], compLen });
    p += CHUNK_HEADER_BYTES + compLen;
  }
  return out;
}

/** Rebuilds a chunk with a new payload (by default stored uncompressed, codec 0) and valid CRCs. */
function rechunk(
  b: Buffer,
  c: Chunk,
  payload: Buffer,
  count?: number,
  codec = 0,
  rawLen = payload.length,
): Buffer {
  const h = Buffer.from(b.subarray(c.offset, c.offset + CHUNK_HEADER_BYTES));
  h.writeUInt8(codec, 5);
  if (count !== undefined) h.writeUInt32LE(count >>> 0, 8);
  h.writeUInt32LE(rawLen, 12);
  h.writeUInt32LE(payload.length, 16);
  h.writeUInt32LE(crc32(payload), 20);
  h.writeUInt32LE(crc32(h.subarray(0, 32)), 32);
  return Buffer.concat([
    b.subarray(0, c.offset),
    h,
    payload,
    b.subarray(c.offset + CHUNK_HEADER_BYTES + c.compLen),
  ]);
}

function withHeader(b: Buffer, header: unknown): Buffer {
  if (b.length < 20) return b;
  const json = Buffer.from(JSON.stringify(header) ?? "null");
  const pre = Buffer.from(b.subarray(0, 20));
  pre.writeUInt32LE(json.length, 12);
  pre.writeUInt32LE(crc32(json), 16);
  return Buffer.concat([pre, json, b.subarray(20 + b.readUInt32LE(12))]);
}

const HEADER = {
  format: "damon-ts-trace",
  version: "1.0",
  tool: "synthetic",
  clockUnit: "instructions",
  pageSize: 4096,
};
const EVENT = {
  type: "map",
  index: 0,
  clock: 0,
  start: 4096,
  length: 4096,
  prot: "rw-",
  kind: "anon",
  name: "x",
};
const FOOTER = { accesses: 300, events: 4, threads: [1000], firstClock: 0, lastClock: 10, partial: false };

/** Values that hit the field checks: wrong types, huge, fractional, negative, non-finite-ish. */
const oddValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    "",
    "rw-",
    "map",
    0,
    -1,
    0.5,
    1e-9,
    2 ** 52,
    2 ** 53 + 2,
    2 ** 64,
    1e308,
    [],
    {},
    ["a"],
    4096,
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A record with some fields of `template` replaced, removed or added. */
function mutatedObject(template: Record<string, unknown>) {
  const keys = Object.keys(template);
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })), fc.option(oddValue)), {
      maxLength: 3,
    })
    .map((edits) => {
      const o: Record<string, unknown> = { ...template };
      for (const [k, v] of edits) {
        if (v === null) delete o[k];
        else o[k] = v;
      }
      return o;
    });
}

type Mutation = (b: Buffer) => Buffer;

/** 4 MiB of zeros, deflated (about 4 KiB). */
const BOMB = deflateRawSync(Buffer.alloc(4 << 20));

const flips: fc.Arbitrary<Mutation> = fc
  .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
  .map((fs) => (b) => {
    const out = Buffer.from(b);
    for (const [at, x] of fs) out[at % out.length] ^= x;
    return out;
  });
const cut: fc.Arbitrary<Mutation> = fc.nat().map((at) => (b) => b.subarray(0, at % (b.length + 1)));
const splice: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat({ max: 400 }))
  .map(([from, to, at, len]) => (b) => {
    const s = from % b.length;
    const piece = b.subarray(s, Math.min(b.length, s + len));
    const cutAt = at % b.length;
    const drop = to % 64;
    return Buffer.concat([b.subarray(0, cutAt), piece, b.subarray(Math.min(b.length, cutAt + drop))]);
  });
const header: fc.Arbitrary<Mutation> = fc
  .oneof(mutatedObject(HEADER), oddValue)
  .map((h) => (b) => withHeader(b, h));
const events: fc.Arbitrary<Mutation> = fc
  .oneof(fc.array(fc.oneof(mutatedObject(EVENT), oddValue), { maxLength: 4 }), oddValue)
  .map((evs) => (b) => {
    const c = chunks(b).find((x) => x.type === 2);
    return c ? rechunk(b, c, Buffer.from(JSON.stringify(evs) ?? "x")) : b;
  });
const footer: fc.Arbitrary<Mutation> = fc.oneof(mutatedObject(FOOTER), oddValue).map((f) => (b) => {
  const cs = chunks(b);
  const c = cs[cs.length - 1];
  return c && c.type === 3 ? rechunk(b, c, Buffer.from(JSON.stringify(f) ?? "x")) : b;
});
/** An access chunk whose payload is replaced (random bytes, or a deflate bomb) with valid CRCs. */
const payload: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.uint8Array({ maxLength: 300, size: "max" }), fc.nat({ max: 1 << 22 }), fc.boolean())
  .map(([which, bytes, count, bomb]) => (b) => {
    const cs = chunks(b).filter((x) => x.type === 1);
    if (cs.length === 0) return b;
    const c = cs[which % cs.length];
    if (!bomb) return rechunk(b, c, Buffer.from(bytes), count);
    // Compressed: 4 MiB of zeros declared as 100 bytes.
    return rechunk(b, c, BOMB, undefined, 1, 100);
  });
/**
 * An access chunk's own payload with a few bytes changed (half of them in the prelude:
 * counts, lane lengths, first clock), re-checksummed, so the decoder's checks past the
 * layout are reached: random bytes (above) are refused as too short or inconsistent.
 * This kind found the decoder reading past a payload whose last address lane was short.
 */
const payloadEdit: fc.Arbitrary<Mutation> = fc
  .tuple(
    fc.nat(),
    fc.oneof(
      fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
        size: "max",
      }),
      // Or bytes moved from one address lane's stream to a neighbour's: the total stays,
      // so the layout checks pass and the lanes' own ends are what is tested. The last
      // lane's start moved later makes it run past its end (and, with no escapes after
      // it, past the payload's); half the shifts take that lane.
      fc.tuple(fc.oneof(fc.constant(3), fc.nat({ max: 3 })), fc.integer({ min: -64, max: 64 })),
    ),
  )
  .map(([which, edit]) => (b) => {
    const cs = chunks(b).filter((x) => x.type === 1);
    if (cs.length === 0) return b;
    const c = cs[which % cs.length];
    const h = parseChunkHeader(b, c.offset);
    if (h === undefined) return b;
    let raw: Buffer;
    try {
      const comp = b.subarray(c.offset + CHUNK_HEADER_BYTES, c.offset + CHUNK_HEADER_BYTES + c.compLen);
      raw = Buffer.from(inflatePayload(comp, h));
    } catch {
      return b; // an earlier mutation broke it already
    }
    if (typeof edit[0] === "number") {
      const [lane, by] = edit as [number, number];
      const other = lane === 3 ? 2 : lane + 1;
      if (raw.length < ACCESS_PRELUDE_BYTES) return b;
      const len = raw.readUInt32LE(20 + 4 * lane);
      const next = raw.readUInt32LE(20 + 4 * other);
      if (len - by < 0 || next + by < 0) return b;
      raw.writeUInt32LE(len - by, 20 + 4 * lane);
      raw.writeUInt32LE(next + by, 20 + 4 * other);
    } else {
      for (const [prelude, at, v] of edit as [boolean, number, number][]) {
        const i = prelude ? at % ACCESS_PRELUDE_BYTES : at % raw.length;
        if (i < raw.length) raw[i] = v;
      }
    }
    return rechunk(b, c, raw);
  });
/** A chunk header with random count / lengths / first index, re-checksummed. */
const chunkHeader: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.nat({ max: 15 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.double())
  .map(([which, field, value, first]) => (b) => {
    const cs = chunks(b);
    if (cs.length === 0) return b;
    const c = cs[which % cs.length];
    const out = Buffer.from(b);
    const p = c.offset;
    if (field < 5) out.writeUInt32LE(value, p + 8 + 4 * (field % 4));
    else if (field < 8) out.writeDoubleLE(Number.isNaN(first) ? -1 : first, p + 24);
    else out.writeUInt8(value & 255, p + 4 + (field % 2));
    out.writeUInt32LE(CHUNK_MAGIC, p);
    out.writeUInt32LE(crc32(out.subarray(p, p + 32)), p + 32);
    return out;
  });

const mutation = fc.array(
  fc.oneof(flips, cut, splice, header, events, footer, payload, payloadEdit, chunkHeader),
  {
    minLength: 1,
    maxLength: 3,
  },
);

void test(
  "fuzz: trace reader, trace info, replay scan and CSV export on mutated traces",
  { timeout: runs(120_000) },
  () => {
    const tally = newTally();
    let n = 0;
    withinMemory(() =>
      fc.assert(
        fc.property(fc.nat({ max: BASES.length - 1 }), mutation, (bi, ms) => {
          let bytes = BASES[bi];
          for (const m of ms) bytes = m(bytes);
          const path = join(dir, `case-${n++ % 4}.dtrace`);
          writeFileSync(path, bytes);
          expectTyped(tally, bytes.toString("base64"), () => {
            const r = TraceReader.fromBytes(bytes, path);
            let rows = 0;
            traceToCsv(r, () => rows++, true);
            return rows;
          });
          const info = expectTyped(tally, bytes.toString("base64"), () => traceInfo(path));
          const scan = expectTyped(tally, bytes.toString("base64"), () => scanTrace(path));
          if (info && scan) {
            // Both read the same file: they must agree.
            assert.equal(scan.accesses, info.accesses);
            assert.equal(scan.damage.length, info.damage.length);
            assert.equal(scan.partial, info.partial);
          }
        }),
        { seed: seed(20_2001), numRuns: runs(500) },
      ),
    );
    report("trace (reader+info+scan+csv)", tally);
    assert.ok(tally.cases >= 1500);
  },
);
