import { test } from "node:test";
import assert from "node:assert/strict";
import { CHUNK_HEADER_BYTES, CHUNK_MAGIC } from "../../../src/workload/trace/format.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../../src/util/errors.js";
import { scanTrace } from "../../../src/workload/replay/trace-scan.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import { replayWorkload } from "../../../src/workload/trace-replay.js";
import { tempDir } from "../../helpers/temp.js";
import { cli } from "../../cli/helpers.js";
import { AccessDecoder } from "../../../src/workload/trace/access-decode.js";
import { frameChunk, inflatePayload, parseChunkHeader } from "../../../src/workload/trace/chunk-frame.js";
import { Rng } from "../../../src/util/rng.js";
import { crc32 } from "node:zlib";
import { collect, syntheticAccesses, writeTrace } from "./helpers.js";

/** Offsets of every chunk header in a trace (found by walking the chunk lengths). */
function chunkOffsets(bytes: Uint8Array): { offset: number; type: number; count: number; compLen: number }[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let p = 20 + b.readUInt32LE(12);
  const out = [];
  while (p < b.length) {
    assert.equal(b.readUInt32LE(p), CHUNK_MAGIC);
    const compLen = b.readUInt32LE(p + 16);
    out.push({ offset: p, type: b[p + 4], count: b.readUInt32LE(p + 8), compLen });
    p += CHUNK_HEADER_BYTES + compLen;
  }
  return out;
}

const N = 8000;
const CHUNK = 1000;

function accessChunks(bytes: Uint8Array) {
  return chunkOffsets(bytes).filter((c) => c.type === 1);
}

void test("a flipped payload byte: that chunk is reported with its offset, every other chunk still reads", () => {
  const a = syntheticAccesses(31, N);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const victim = accessChunks(bytes)[3];
  bytes[victim.offset + CHUNK_HEADER_BYTES + Math.floor(victim.compLen / 2)] ^= 0x5a;
  const r = TraceReader.fromBytes(bytes);
  const got = collect(r);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, victim.offset);
  assert.match(r.damage[0].message, /checksum/);
  assert.equal(r.damage[0].lostAccesses, CHUNK);
  assert.equal(r.damage[0].skippedBytes, CHUNK_HEADER_BYTES + victim.compLen);
  // Everything except accesses 3000..3999 is intact, and the footer was still read.
  const keep = (xs: number[]) => [...xs.slice(0, 3000), ...xs.slice(4000)];
  assert.deepEqual(got.addr, keep(a.addr));
  assert.deepEqual(got.clock, keep(a.clock));
  assert.deepEqual(got.tid, keep(a.tid));
  assert.deepEqual(got.firstIndexes, [0, 1000, 2000, 4000, 5000, 6000, 7000]);
  assert.equal(r.footer?.accesses, N);
});

void test("a damaged chunk header: the reader resynchronises on the next chunk and says how much was lost", () => {
  const a = syntheticAccesses(32, N);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const victim = accessChunks(bytes)[5];
  bytes[victim.offset + 17] ^= 0xff; // the compressed-length field: the header checksum catches it
  const r = TraceReader.fromBytes(bytes);
  const got = collect(r);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, victim.offset);
  assert.equal(r.damage[0].lostAccesses, CHUNK);
  assert.equal(r.damage[0].skippedBytes, CHUNK_HEADER_BYTES + victim.compLen);
  assert.equal(got.addr.length, N - CHUNK);
  assert.deepEqual(got.addr.slice(5000), a.addr.slice(6000));
});

void test("damage in several places: each is reported in file order, reading goes on to the footer", () => {
  const a = syntheticAccesses(33, N);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const chunks = accessChunks(bytes);
  for (const k of [1, 2, 6]) bytes[chunks[k].offset + CHUNK_HEADER_BYTES + 3] ^= 1;
  const r = TraceReader.fromBytes(bytes);
  const got = collect(r);
  assert.deepEqual(
    r.damage.map((d) => d.offset),
    [1, 2, 6].map((k) => chunks[k].offset),
  );
  assert.equal(got.addr.length, N - 3 * CHUNK);
  assert.equal(r.partial, false);
});

void test("garbage inserted between chunks is skipped and reported at its offset", () => {
  const a = syntheticAccesses(34, N);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const at = accessChunks(bytes)[4].offset;
  const garbage = Buffer.from("DTCK this is not a chunk at all, just junk bytes");
  const spliced = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
  const r = TraceReader.fromBytes(spliced);
  const got = collect(r);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, at);
  assert.equal(r.damage[0].skippedBytes, garbage.length);
  assert.equal(r.damage[0].lostAccesses, undefined, "no access was lost");
  assert.deepEqual(got.addr, a.addr);
});

void test("a truncated file reads up to the cut, reports it, and counts as partial (no footer)", () => {
  const a = syntheticAccesses(35, N);
  const bytes = writeTrace(a, { chunkAccesses: CHUNK });
  const cutChunk = accessChunks(bytes)[6];
  const cut = bytes.subarray(0, cutChunk.offset + 50);
  const r = TraceReader.fromBytes(cut);
  const got = collect(r);
  assert.deepEqual(got.addr, a.addr.slice(0, 6000));
  assert.equal(r.footer, undefined);
  assert.equal(r.partial, true);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, cutChunk.offset);
  assert.match(r.damage[0].message, /truncated/);
});

void test("a whole chunk cut out: the gap is reported at the next chunk with the accesses lost", () => {
  const a = syntheticAccesses(36, N);
  const bytes = writeTrace(a, { chunkAccesses: CHUNK });
  const chunks = accessChunks(bytes);
  const gone = chunks[2];
  const spliced = Buffer.concat([bytes.subarray(0, gone.offset), bytes.subarray(chunks[3].offset)]);
  const r = TraceReader.fromBytes(spliced);
  const got = collect(r);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, gone.offset, "the next chunk now starts where the cut one did");
  assert.equal(r.damage[0].lostAccesses, CHUNK);
  assert.equal(r.damage[0].skippedBytes, 0);
  assert.equal(got.addr.length, N - CHUNK);
});

void test("megabytes of garbage (larger than the read buffer) are skipped in one damage report", () => {
  const a = syntheticAccesses(37, N);
  const bytes = writeTrace(a, { chunkAccesses: CHUNK });
  const at = accessChunks(bytes)[2].offset;
  const rng = new Rng(9);
  const garbage = new Uint8Array(5 << 20);
  for (let i = 0; i < garbage.length; i++) garbage[i] = rng.nextU32() & 255;
  // Sprinkle fake magics: the header checksum must reject them.
  for (let i = 1000; i < garbage.length; i += 100_003) garbage.set([0x44, 0x54, 0x43, 0x4b], i);
  const spliced = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
  const r = TraceReader.fromBytes(spliced);
  const got = collect(r);
  assert.equal(r.damage.length, 1);
  assert.equal(r.damage[0].offset, at);
  assert.equal(r.damage[0].skippedBytes, garbage.length);
  assert.deepEqual(got.addr, a.addr);
  assert.equal(r.partial, false);
});

// Every access is read once or counted lost once: a duplicated chunk was read twice with
// no damage, a cut-out last chunk and a chunk cut short by the end of the file were lost
// uncounted, and a chunk that would not decompress was counted lost twice.
void test("every access is read once or counted lost once: duplicated, reordered, cut-out, cut-short and undecompressable chunks", () => {
  const a = syntheticAccesses(34, N);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const chunks = accessChunks(bytes);
  const all = chunkOffsets(bytes);
  const span = (c: { offset: number; compLen: number }) =>
    bytes.subarray(c.offset, c.offset + CHUNK_HEADER_BYTES + c.compLen);
  const afterLast = chunks[7].offset + CHUNK_HEADER_BYTES + chunks[7].compLen;
  const cases: [string, Buffer][] = [
    [
      "duplicated",
      Buffer.concat([bytes.subarray(0, chunks[3].offset), span(chunks[2]), bytes.subarray(chunks[3].offset)]),
    ],
    [
      "reordered",
      Buffer.concat([
        bytes.subarray(0, chunks[3].offset),
        span(chunks[4]),
        span(chunks[3]),
        bytes.subarray(chunks[5].offset),
      ]),
    ],
    ["last cut out", Buffer.concat([bytes.subarray(0, chunks[7].offset), bytes.subarray(afterLast)])],
    ["cut short", bytes.subarray(0, chunks[7].offset + CHUNK_HEADER_BYTES + 5)],
  ];
  // A payload that passes its checksum but does not decompress (its checksum recomputed).
  const bad = Buffer.from(bytes);
  const v = chunks[4];
  bad.fill(0xff, v.offset + CHUNK_HEADER_BYTES, v.offset + CHUNK_HEADER_BYTES + v.compLen);
  bad.writeUInt32LE(
    crc32(bad.subarray(v.offset + CHUNK_HEADER_BYTES, v.offset + CHUNK_HEADER_BYTES + v.compLen)),
    v.offset + 20,
  );
  bad.writeUInt32LE(crc32(bad.subarray(v.offset, v.offset + 32)), v.offset + 32);
  cases.push(["undecompressable", bad]);
  assert.ok(
    all.some((c) => c.type !== 1),
    "the trace has index/footer chunks after its accesses",
  );
  for (const [name, file] of cases) {
    const r = TraceReader.fromBytes(file);
    const got = collect(r);
    const lost = r.damage.reduce((t, d) => t + (d.lostAccesses ?? 0), 0);
    assert.ok(r.damage.length > 0, `${name}: damage reported`);
    assert.equal(got.addr.length + lost, N, `${name}: read ${got.addr.length} + lost ${lost}`);
    assert.equal(new Set(got.firstIndexes).size, got.firstIndexes.length, `${name}: no chunk read twice`);
  }
});

/** An access chunk's raw payload rewritten by `edit` and framed again with valid checksums. */
function reframed(
  bytes: Buffer,
  victim: { offset: number; count: number; compLen: number },
  edit: (raw: Buffer) => void,
): Buffer {
  const h = parseChunkHeader(bytes, victim.offset)!;
  const at = victim.offset + CHUNK_HEADER_BYTES;
  const raw = Buffer.from(inflatePayload(bytes.subarray(at, at + victim.compLen), h));
  edit(raw);
  const [head, comp] = frameChunk(h.type, h.count, raw, h.firstIndex, "deflate", 6);
  return Buffer.concat([bytes.subarray(0, victim.offset), head, comp, bytes.subarray(at + victim.compLen)]);
}

void test("clocks out of [0, 2^52) in a chunk with valid checksums are damage, not NaN or huge thread times (format.md)", () => {
  // Clocks 0, 1, 2, ... with a big escaped step in every chunk.
  const a = syntheticAccesses(33, N);
  a.clock = a.clock.map((_, i) => i + (i % CHUNK === 500 ? 2 ** 36 : 0) * Math.floor(i / CHUNK + 1));
  for (let i = 1; i < N; i++) a.clock[i] = Math.max(a.clock[i], a.clock[i - 1] + 1);
  const bytes = Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }));
  const victim = accessChunks(bytes)[2];
  const decoder = new AccessDecoder({ lean: true });
  const cases: [string, (raw: Buffer) => void, RegExp][] = [
    ["NaN first clock", (raw) => raw.writeDoubleLE(NaN, 40), /first clock is not an integer in \[0, 2\^52\)/],
    ["negative first clock", (raw) => raw.writeDoubleLE(-1, 40), /first clock/],
    ["fractional first clock", (raw) => raw.writeDoubleLE(0.5, 40), /first clock/],
    ["Infinity", (raw) => raw.writeDoubleLE(Infinity, 40), /first clock/],
    // A valid first clock from which the deltas climb past 2^52 (plain deltas, then the escape).
    ["deltas past 2^52", (raw) => raw.writeDoubleLE(2 ** 52 - 10, 40), /clocks leave \[0, 2\^52\)/],
    ["an escape past 2^52", (raw) => raw.writeDoubleLE(2 ** 52 - 2 ** 35, 40), /clocks leave/],
  ];
  for (const [what, edit, re] of cases) {
    const tampered = reframed(bytes, victim, edit);
    const h = parseChunkHeader(tampered, victim.offset)!;
    const at = victim.offset + CHUNK_HEADER_BYTES;
    const raw = inflatePayload(tampered.subarray(at, at + h.compLen), h);
    assert.match(decoder.decode(raw, h.count), re, what);
    const r = TraceReader.fromBytes(tampered);
    const got = collect(r);
    const d = r.damage.find((x) => x.offset === victim.offset);
    assert.ok(d, `${what}: ${JSON.stringify(r.damage)}`);
    assert.match(d.message, re, what);
    assert.equal(d.lostAccesses, CHUNK, what);
    assert.ok(
      got.clock.every((c) => Number.isInteger(c) && c >= 0 && c < 2 ** 52),
      what,
    );
  }
  // The untouched chunk decodes, and a first clock just inside the range is taken.
  const ok = reframed(bytes, victim, (raw) => raw.writeDoubleLE(2 ** 40, 40));
  const r = TraceReader.fromBytes(ok);
  collect(r);
  assert.equal(r.damage.filter((x) => x.offset === victim.offset).length, 0, JSON.stringify(r.damage));
});

interface IndexJson {
  firstClock: number;
  lastClock: number;
  chunks: { offset: number; crc: number }[];
}

/** The trace with its index chunk (type 4, just before the footer) rewritten by `edit`, checksums valid. */
function withIndex(bytes: Buffer, edit: (ix: IndexJson) => void): Buffer {
  const ixAt = chunkOffsets(bytes).find((c) => c.type === 4)!;
  const ixHead = parseChunkHeader(bytes, ixAt.offset)!;
  const ixPayload = ixAt.offset + CHUNK_HEADER_BYTES;
  const index = JSON.parse(
    Buffer.from(inflatePayload(bytes.subarray(ixPayload, ixPayload + ixAt.compLen), ixHead)).toString(),
  ) as IndexJson;
  edit(index);
  const [h, comp] = frameChunk(
    4,
    ixHead.count,
    Buffer.from(JSON.stringify(index)),
    ixHead.firstIndex,
    "deflate",
    6,
  );
  return Buffer.concat([bytes.subarray(0, ixAt.offset), h, comp, bytes.subarray(ixPayload + ixAt.compLen)]);
}

/** A replayable trace: one thread's N accesses in one mapped MiB, clocks 10 apart. */
function replayableTrace(seed: number): Buffer {
  const base = 0x10000000;
  const rng = new Rng(seed);
  const a = syntheticAccesses(seed, N);
  a.addr = a.addr.map(() => base + rng.randRange(0, 2 ** 20));
  a.tid = a.tid.map(() => 7);
  a.clock = a.clock.map((_, i) => 1000 + 10 * i);
  const map = {
    type: "map" as const,
    clock: 0,
    start: base,
    length: 2 ** 20,
    prot: "rw-",
    kind: "anon" as const,
  };
  return Buffer.from(writeTrace(a, { chunkAccesses: CHUNK }, [{ at: 0, ev: map }]));
}

/** Accesses and simulated time of a replay of `file`. */
function replayRun(file: string, allowDamaged = false): { accesses: number; ns: number } {
  const s = setupSimulation(replayWorkload(file, { allowDamaged }), { truth: null });
  s.sim.run();
  return { accesses: s.machine.totalAccesses(), ns: Math.max(...s.machine.cpus.map((c) => c.timeNs)) };
}

void test("a chunk that passes its checksum and the index but does not decompress: the replay names it, and --allow-damaged-trace replays the rest", () => {
  const bytes = replayableTrace(34);
  const chunks = chunkOffsets(bytes);
  const victim = chunks.filter((c) => c.type === 1)[4];
  // Garbage of the same length under valid checksums: every offset stays where the index says.
  const at = victim.offset + CHUNK_HEADER_BYTES;
  bytes.fill(0xff, at, at + victim.compLen);
  const crc = crc32(bytes.subarray(at, at + victim.compLen));
  bytes.writeUInt32LE(crc, victim.offset + 20);
  bytes.writeUInt32LE(crc32(bytes.subarray(victim.offset, victim.offset + 32)), victim.offset + 32);
  // The index gets the chunk's new checksum.
  const file = join(tempDir("dt-damage-"), "garbage.dtrace");
  writeFileSync(
    file,
    withIndex(bytes, (ix) => {
      ix.chunks.find((c) => c.offset === victim.offset)!.crc = crc;
    }),
  );
  assert.equal(scanTrace(file).fromIndex, true, "the index still matches every chunk header");

  const run = (allowDamaged: boolean) => replayRun(file, allowDamaged).accesses;
  assert.throws(
    () => run(false),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message.includes(`offset ${victim.offset}: chunk does not decompress`) &&
      e.message.includes("--allow-damaged-trace replays the rest"),
  );
  assert.equal(run(true), N - CHUNK);
  // The CLI: one line naming the chunk without the flag; with it, a warning saying what was lost.
  const args = ["run", `trace:${file}`, "--ops", "vaddr", "--no-baseline", "--no-heatmap", "--json"];
  const refused = cli(args);
  assert.equal(refused.code, 2, refused.err);
  assert.match(refused.err, new RegExp(`offset ${victim.offset}: chunk does not decompress`));
  assert.equal(refused.err.trim().split("\n").length, 1, refused.err);
  const compared = cli([
    "compare",
    `trace:${file}`,
    "--ops",
    "vaddr",
    "--no-baseline",
    "--json",
    "--allow-damaged-trace",
  ]);
  assert.equal(compared.code, 0, compared.err);
  assert.match(compared.err, /^warning: .*the trace is damaged: 1 damaged stretch/m);
  const allowed = cli([...args, "--allow-damaged-trace"]);
  assert.equal(allowed.code, 0, allowed.err);
  assert.ok(
    allowed.err.includes(
      `warning: ${file}: the trace is damaged: 1 damaged stretch(es), ${CHUNK} accesses lost, first at offset ${victim.offset}: chunk does not decompress; replaying the rest`,
    ),
    allowed.err,
  );
});

void test("an index whose clocks are not the trace's is not used: the replay times its threads from the chunks", () => {
  const bytes = replayableTrace(35);
  const dir = tempDir("dt-index-");
  const good = join(dir, "good.dtrace");
  writeFileSync(good, bytes);
  assert.equal(scanTrace(good).fromIndex, true);
  const want = replayRun(good);
  assert.equal(want.accesses, N);
  const cases: [string, (ix: IndexJson) => void][] = [
    ["firstClock out of range", (ix) => (ix.firstClock = -1e15)],
    ["lastClock fractional", (ix) => (ix.lastClock += 0.5)],
    ["firstClock in range but not the first access's", (ix) => (ix.firstClock = 0)],
    ["lastClock in range but not the last access's", (ix) => (ix.lastClock = 4e15)],
  ];
  for (const [what, edit] of cases) {
    const file = join(dir, "bad.dtrace");
    writeFileSync(file, withIndex(bytes, edit));
    const scan = scanTrace(file);
    assert.equal(scan.fromIndex, false, what);
    assert.equal(scan.damage.length, 0, what);
    assert.deepEqual(replayRun(file), want, what);
  }
});

void test("a trace whose every access chunk is damaged is refused as damaged, with or without --allow-damaged-trace", () => {
  const bytes = replayableTrace(36);
  for (const c of chunkOffsets(bytes).filter((x) => x.type === 1))
    bytes[c.offset + CHUNK_HEADER_BYTES + Math.floor(c.compLen / 2)] ^= 0x5a;
  const file = join(tempDir("dt-all-"), "all.dtrace");
  writeFileSync(file, bytes);
  for (const allowDamaged of [false, true])
    assert.throws(
      () => replayWorkload(file, { allowDamaged }),
      (e: unknown) =>
        e instanceof FormatError &&
        /the trace is damaged: 8 damaged stretch\(es\), 8000 accesses lost/.test(e.message),
      String(allowDamaged),
    );
});
