/**
 * Issue 20: hostile traces (fields of the wrong type, absurd page sizes, inflation
 * bombs, damaged or partial traces given to `run trace:`). Each test fails before
 * the fix named in it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync, constants as zc } from "node:zlib";
import { FormatError } from "../../../src/util/errors.js";
import { CHUNK_HEADER_BYTES, CHUNK_MAGIC } from "../../../src/workload/trace/format.js";
import { traceInfo } from "../../../src/workload/trace/info.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { TraceWriter, type TraceHeaderInit } from "../../../src/workload/trace/writer.js";
import { replayWorkload } from "../../../src/workload/trace-replay.js";
import { cli } from "../../cli/helpers.js";
import { syntheticAccesses, writeTrace } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dt-hostile-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const HEADER: TraceHeaderInit = { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 };
const MAP = { type: "map", clock: 0, start: 0x10000, length: 0x10000, prot: "rw-", kind: "anon" };

/** A small trace with the given header fields and events (written as given, unchecked). */
function traceWith(header: Record<string, unknown>, events: unknown[] = [MAP], partial = false): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new TraceWriter(
    (b) => parts.push(Uint8Array.from(b)),
    { ...HEADER, ...header },
    {
      chunkAccesses: 16,
    },
  );
  for (const ev of events) w.event(ev as never);
  for (let i = 0; i < 40; i++) w.access(0x10000 + i * 64, 8, i & 1, 7, i * 3);
  w.finish({ partial, endReason: partial ? "signal SIGINT" : "exit 0" });
  return Buffer.concat(parts);
}

function save(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Asserts that reading the whole trace (info, and the replay scan) throws one FormatError matching `re`. */
function assertFormatError(path: string, re: RegExp): void {
  assert.throws(
    () => traceInfo(path),
    (e: unknown) => e instanceof FormatError && re.test(e.message),
  );
  assert.throws(
    () => replayWorkload(path),
    (e: unknown) => e instanceof FormatError && re.test(e.message),
  );
}

// Fails before the event checks in TraceReader (TypeError "Cannot read properties of null").
void test("trace: a null map event is a FormatError naming the chunk offset and event index", () => {
  const good = Buffer.from(traceWith({}, []));
  const hlen = 20 + good.readUInt32LE(12);
  const json = Buffer.from(JSON.stringify([{ ...MAP, index: 0 }, null]));
  const bytes = Buffer.concat([
    good.subarray(0, hlen),
    chunk(2, 0, 2, json.length, json, 0),
    good.subarray(hlen),
  ]);
  const p = save("null-event.dtrace", bytes);
  assertFormatError(
    p,
    /null-event\.dtrace:offset \d+ \(events chunk\), event 1: map event is not a JSON object/,
  );
});

// Fails before the event checks (a numeric prot reached protBits: "prot.includes is not a function").
void test("trace: a numeric prot in a map event is a FormatError naming the field", () => {
  const p = save("num-prot.dtrace", traceWith({}, [{ ...MAP, prot: 7 }]));
  assertFormatError(p, /event 0: map event field prot is 7/);
  const p2 = save("bad-type.dtrace", traceWith({}, [{ ...MAP, type: "explode" }]));
  assertFormatError(p2, /field type is "explode"/);
  const p3 = save("remap-no-to.dtrace", traceWith({}, [MAP, { ...MAP, type: "remap" }]));
  assertFormatError(p3, /field to is missing/);
  const p4 = save("big-start.dtrace", traceWith({}, [{ ...MAP, start: 2 ** 64 }]));
  assertFormatError(p4, /field start is 18446744073709552000/);
});

// Fails before validateTraceHeader ("h.command.join is not a function" / "notes is not iterable" in trace info).
void test("trace: header command as a string, notes as a number or null → FormatError naming the header field", () => {
  for (const [name, fields, re] of [
    ["cmd-string", { command: "ls -l" }, /header field command is "ls -l", expected an array of strings/],
    ["notes-number", { notes: 5 }, /header field notes is 5/],
    ["notes-null", { notes: null }, /header field notes is null/],
    ["tool-missing", { tool: undefined }, /header field tool is missing/],
  ] as const) {
    const p = save(`${name}.dtrace`, traceWith(fields));
    assertFormatError(p, re);
  }
  const r = cli(["trace", "info", join(dir, "notes-null.dtrace")]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^damon-ts: .*header field notes is null/);
  assert.equal(r.err.trim().split("\n").length, 1, r.err);
});

// Fails before the pageSize check: `trace info` spins forever (page numbers past 2^53 stop advancing).
void test("trace: pageSize 1e-9, 0, 3, 2^40 or a string is refused at once", () => {
  for (const ps of [1e-9, 0, 3, 4095.5, 2 ** 40, "4096", -4096]) {
    const p = save("page-size.dtrace", traceWith({ pageSize: ps }));
    const t0 = performance.now();
    assert.throws(
      () => traceInfo(p),
      /header field pageSize is .*expected a power of two from 512 to 1073741824/,
    );
    assert.ok(performance.now() - t0 < 2000);
  }
  // Sane page sizes still read.
  for (const ps of [512, 4096, 65536, 2 ** 21, 2 ** 30]) {
    const p = save("page-size-ok.dtrace", traceWith({ pageSize: ps }));
    assert.equal(traceInfo(p).header.pageSize, ps);
  }
});

/** A raw-deflate stream of `mib` MiB of zeros, built without holding them (sync-flushed blocks repeated). */
function zeroBomb(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zc.Z_SYNC_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([...Array.from({ length: mib }, () => block), end]);
}

/** A chunk header (36 bytes) + payload, as the writer lays them out. */
function chunk(
  type: number,
  codec: number,
  count: number,
  rawLen: number,
  payload: Buffer,
  first: number,
): Buffer {
  const h = Buffer.alloc(CHUNK_HEADER_BYTES);
  h.writeUInt32LE(CHUNK_MAGIC, 0);
  h.writeUInt8(type, 4);
  h.writeUInt8(codec, 5);
  h.writeUInt32LE(count, 8);
  h.writeUInt32LE(rawLen, 12);
  h.writeUInt32LE(payload.length, 16);
  h.writeUInt32LE(crc32(payload), 20);
  h.writeDoubleLE(first, 24);
  h.writeUInt32LE(crc32(h.subarray(0, 32)), 32);
  return Buffer.concat([h, payload]);
}

// Fails before maxOutputLength: the chunk inflated whole (512 MiB here) before its
// length was compared with the header's (the issue measured 3.6 GB for a 1 GiB bomb).
void test("trace: a chunk that inflates far past its declared length is damage, bounded in time and memory", () => {
  const good = Buffer.from(traceWith({}));
  const hlen = 20 + good.readUInt32LE(12);
  const bomb = zeroBomb(512);
  assert.ok(bomb.length < 1 << 20, `${bomb.length} bytes`);
  const bytes = Buffer.concat([good.subarray(0, hlen), chunk(2, 1, 1, 100, bomb, 0), good.subarray(hlen)]);
  const p = save("bomb.dtrace", bytes);
  const rss0 = process.memoryUsage().rss;
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const info = traceInfo(p);
  const ms = performance.now() - t0;
  const peakGrowth = process.resourceUsage().maxRSS * 1024 - Math.max(peak0, rss0);
  assert.equal(info.damage.length, 1);
  assert.match(info.damage[0].message, /does not decompress/);
  assert.equal(info.accesses, 40, "the rest of the trace still reads");
  assert.ok(peakGrowth < 64 * 2 ** 20, `peak RSS grew by ${(peakGrowth / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
});

// Fails before refuseDamaged: `run trace:` replayed a damaged or partial trace and exited 0.
void test("run trace: refuses a damaged or partial trace unless --allow-damaged-trace", () => {
  const a = syntheticAccesses(5, 3000);
  a.addr = a.addr.map((x, i) => 0x100000 + ((x + i) % 0x100000));
  const ev = [
    { at: 0, ev: { type: "map" as const, clock: 0, start: 0x100000, length: 0x100000, prot: "rw-" } },
  ];
  const clean = Buffer.from(writeTrace(a, { chunkAccesses: 500 }, ev));
  // Damage: flip a byte in the middle of the file (inside an access chunk's payload).
  const damaged = Buffer.from(clean);
  damaged[Math.floor(damaged.length / 2)] ^= 0x55;
  const pd = save("damaged.dtrace", damaged);
  assert.throws(
    () => replayWorkload(pd),
    (e: unknown) =>
      e instanceof FormatError && /damaged: 1 damaged stretch\(es\), 500 accesses lost/.test(e.message),
  );
  assert.doesNotThrow(() => replayWorkload(pd, { allowDamaged: true }));
  // Partial: the footer says the capture was interrupted; and a file cut before its footer.
  const pp = save("partial.dtrace", writeTrace(a, { chunkAccesses: 500 }, ev, true));
  assert.throws(() => replayWorkload(pp), /the trace is partial: the capture was interrupted \(test\)/);
  const footerAt = clean.lastIndexOf(Buffer.from("DTCK", "latin1"));
  const pc = save("cut.dtrace", clean.subarray(0, footerAt));
  assert.throws(() => replayWorkload(pc), /the trace is partial: it has no footer/);
  assert.doesNotThrow(() => replayWorkload(pc, { allowDamaged: true }));
  // The CLI: exit 2 with one line; the flag replays.
  const r = cli(["run", `trace:${pd}`, "--duration", "1ms", "--no-baseline", "--json"]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^damon-ts: .*damaged\.dtrace: the trace is damaged/);
  const ok = cli([
    "run",
    `trace:${pd}`,
    "--allow-damaged-trace",
    "--duration",
    "1ms",
    "--no-baseline",
    "--json",
  ]);
  assert.equal(ok.code, 0, ok.err);
});

// Fails before validateTraceFooter: a footer with `partial: "no"` made the trace look complete and partial at once.
void test("trace reader: a footer field of the wrong type is a FormatError naming the footer", () => {
  const parts: Uint8Array[] = [];
  const w = new TraceWriter((b) => parts.push(Uint8Array.from(b)), HEADER, { chunkAccesses: 16 });
  w.access(0x1000, 8, 0, 1, 1);
  w.finish({ partial: "no" as unknown as boolean });
  const r = TraceReader.fromBytes(Buffer.concat(parts), "f.dtrace");
  assert.throws(() => {
    for (const _ of r);
  }, /f\.dtrace:offset \d+ \(footer\): footer field partial is "no", expected true or false/);
});

void test("trace reader: footer notes must be strings; a footer with notes reads back", () => {
  const read = (notes: unknown): TraceReader => {
    const parts: Uint8Array[] = [];
    const w = new TraceWriter((b) => parts.push(Uint8Array.from(b)), HEADER, { chunkAccesses: 16 });
    w.access(0x1000, 8, 0, 1, 1);
    w.finish({ partial: false, notes });
    return TraceReader.fromBytes(Buffer.concat(parts), "f.dtrace");
  };
  assert.throws(() => {
    for (const _ of read([1]));
  }, /footer field notes is .*, expected an array of strings/);
  const r = read(["no memory map: test"]);
  for (const _ of r);
  assert.deepEqual(r.footer?.notes, ["no memory map: test"]);
});

// Fails before refuseHugeMappings: a 256 TiB map event crashed the run with
// "RangeError: Invalid typed array length" at the first access.
void test("run trace: a map event too large to simulate is a FormatError before the run", () => {
  const p = save("huge-map.dtrace", traceWith({}, [{ ...MAP, start: 0, length: 2 ** 48 }]));
  assert.throws(
    () => replayWorkload(p),
    (e: unknown) =>
      e instanceof FormatError &&
      /map event 0 \(map at access 0\) maps 281474976710656 bytes/.test(e.message),
  );
});
