import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../../src/util/errors.js";
import { convertTrace, detectFormat } from "../../../src/workload/trace/convert.js";
import { LackeyParser } from "../../../src/workload/trace/lackey.js";
import { RawRecordDecoder } from "../../../src/workload/trace/raw-records.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { TraceWriter } from "../../../src/workload/trace/writer.js";
import { collect, syntheticAccesses, writeTrace } from "./helpers.js";

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "dt-conv-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function memWriter(): { w: TraceWriter; bytes: () => Uint8Array } {
  const parts: Uint8Array[] = [];
  const w = new TraceWriter((b) => parts.push(b), {
    tool: "synthetic",
    clockUnit: "instructions",
    pageSize: 4096,
  });
  return { w, bytes: () => Buffer.concat(parts) };
}

const LACKEY = `==4242== Lackey, an example Valgrind tool
==4242== Command: /bin/true
==4242==
I  04016a60,3
 S 1ffefffd28,8
I  04016a63,5
 L 04031e70,8
 M 1ffefffd20,4
I  04016a68,2
I  04016a6a,4
 L 04032000,16
==4242== Counted 1 call to main()
`;

void test("lackey text: loads, stores, modifies (load + store), instruction clock, pid as thread", () => {
  const { w, bytes } = memWriter();
  const p = new LackeyParser(w, "t.lackey");
  // Fed in awkward pieces, as from a pipe.
  for (let i = 0; i < LACKEY.length; i += 7) p.feed(LACKEY.slice(i, i + 7));
  p.end();
  w.finish({ partial: false });
  assert.equal(p.pid, 4242);
  assert.equal(p.instructions, 4);
  const got = collect(TraceReader.fromBytes(bytes()));
  assert.deepEqual(got.addr, [0x1ffefffd28, 0x4031e70, 0x1ffefffd20, 0x1ffefffd20, 0x4032000]);
  assert.deepEqual(got.size, [8, 8, 4, 4, 16]);
  assert.deepEqual(got.isWrite, [1, 0, 0, 1, 0]);
  assert.deepEqual(got.clock, [1, 2, 2, 2, 4]);
  assert.deepEqual(got.tid, [4242, 4242, 4242, 4242, 4242]);
});

void test("lackey text: a malformed line is one FormatError naming file and line", () => {
  const { w } = memWriter();
  const p = new LackeyParser(w, "bad.lackey");
  assert.throws(
    () => p.feed("I  0400,3\n L zz,8\n"),
    (e: unknown) =>
      e instanceof FormatError && /bad\.lackey:2: not a lackey --trace-mem line/.test(e.message),
  );
  const q = new LackeyParser(memWriter().w, "bad2.lackey");
  assert.throws(() => q.feed("hello\n"), /bad2\.lackey:1/);
});

void test("convert: lackey file → trace, format detected", () => {
  withDir((dir) => {
    const src = join(dir, "t.lackey");
    writeFileSync(src, LACKEY);
    assert.equal(detectFormat(src), "lackey");
    const out = join(dir, "t.dtrace");
    const r = convertTrace(src, out, { to: "trace" });
    assert.equal(r.rows, 5);
    const tr = TraceReader.open(out);
    const got = collect(tr);
    tr.close();
    assert.equal(tr.header.tool, "lackey");
    assert.equal(got.addr.length, 5);
    assert.equal(tr.partial, false);
  });
});

void test("convert: trace → CSV → trace keeps every access and map event", () => {
  withDir((dir) => {
    const a = syntheticAccesses(41, 3000);
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
          name: '/usr/bin/has,comma "q"',
        },
      },
      {
        at: 10,
        ev: { type: "remap" as const, clock: 3, start: 0x7f0000000000, to: 0x7f0000100000, length: 8192 },
      },
      { at: 2000, ev: { type: "unmap" as const, clock: 5, start: 0x108000, length: 0x1000 } },
    ];
    const src = join(dir, "a.dtrace");
    writeFileSync(src, writeTrace(a, { chunkAccesses: 500 }, events));
    const csv = join(dir, "a.csv");
    const r1 = convertTrace(src, csv, { to: "csv", withEvents: true });
    assert.equal(r1.rows, 3003);
    const text = readFileSync(csv, "utf8");
    assert.ok(text.startsWith("clock,tid,op,addr,size,prot,kind,name\n"));
    assert.equal(detectFormat(csv), "csv");
    const back = join(dir, "b.dtrace");
    convertTrace(csv, back, { to: "trace" });
    const r = TraceReader.open(back);
    const got = collect(r);
    r.close();
    assert.deepEqual(got.addr, a.addr);
    assert.deepEqual(got.size, a.size);
    assert.deepEqual(got.isWrite, a.isWrite);
    assert.deepEqual(got.tid, a.tid);
    assert.deepEqual(got.clock, a.clock);
    assert.deepEqual(
      got.events.map((e) => [e.type, e.index, e.start, e.length, e.name ?? null, e.to ?? null]),
      [
        ["map", 0, 0x108000, 0x3000, '/usr/bin/has,comma "q"', null],
        ["remap", 10, 0x7f0000000000, 8192, null, 0x7f0000100000],
        ["unmap", 2000, 0x108000, 0x1000, null, null],
      ],
    );
    // Plain CSV (no events) is exactly five columns.
    const plain = join(dir, "p.csv");
    convertTrace(src, plain, { to: "csv" });
    const lines = readFileSync(plain, "utf8").trim().split("\n");
    assert.equal(lines.length, 3001);
    assert.match(lines[1], /^\d+,\d+,[RW],0x[0-9a-f]+,\d+$/);
  });
});

void test("convert: a bad CSV row is one FormatError naming file and line; nothing is written", () => {
  withDir((dir) => {
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "clock,tid,op,addr,size\n1,1,R,0x1000,8\n2,1,X,0x1000,8\n");
    const out = join(dir, "bad.dtrace");
    assert.throws(() => convertTrace(csv, out, { to: "trace" }), /bad\.csv:3: op "X"/);
    assert.throws(() => readFileSync(out), /ENOENT/);
  });
});

void test("raw tool records: decoded across arbitrary split points, clock wrap, thread switch, map names", () => {
  const recs: Buffer[] = [];
  const rec = (a: number, clk: number, size: number, kind: number, aux = 0): void => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(a), 0);
    b.writeUInt32LE(clk >>> 0, 8);
    b.writeUInt16LE(size, 12);
    b[14] = kind;
    b[15] = aux;
    recs.push(b);
  };
  const map = (start: number, len: number, flags: number, name: string): void => {
    rec(start, 2 ** 32 - 3, 0, 4, flags);
    const nb = Buffer.from(name);
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(len), 0);
    b.writeUInt32LE(nb.length, 8);
    recs.push(b);
    const padded = Buffer.alloc(Math.ceil(nb.length / 16) * 16);
    nb.copy(padded);
    recs.push(padded);
  };
  rec(2 ** 32 - 3, 2 ** 32 - 3, 0, 3); // CLOCK sync near a wrap
  map(0x108000, 0x3000, 1 | 4 | 8 | 32, "/usr/bin/sort-with-a-long-name-over-16-bytes");
  map(0x58000000, 0x1000, 1 | 4 | 8 | 32, "/usr/libexec/valgrind/vgpreload_core-amd64-linux.so");
  map(0x1ffeff0000, 0x10000, 1 | 2 | 32, "");
  rec(0x1ffeffff00, 0, 0, 8); // STACK pointer inside the last mapping
  rec(777, 0, 0, 2); // THREAD 777
  rec(0x1ffeffff00, 2 ** 32 - 2, 8, 1); // write
  rec(0x4a8a010, 1, 4, 0); // read, low clock wrapped: full clock = 2^32 + 1
  rec(778, 1, 0, 2); // THREAD 778
  rec(0x4a8a018, 5, 512, 0);
  rec(2 ** 32 + 5, 0, 0, 9); // END
  const all = Buffer.concat(recs);
  for (const step of [1, 7, 16, 33, all.length]) {
    const { w, bytes } = memWriter();
    const d = new RawRecordDecoder(w);
    for (let i = 0; i < all.length; i += step) d.feed(all.subarray(i, Math.min(all.length, i + step)));
    d.end();
    w.finish({ partial: false });
    assert.equal(d.sawEnd, true);
    const got = collect(TraceReader.fromBytes(bytes()));
    assert.deepEqual(got.addr, [0x1ffeffff00, 0x4a8a010, 0x4a8a018], `step ${step}`);
    assert.deepEqual(got.clock, [2 ** 32 - 2, 2 ** 32 + 1, 2 ** 32 + 5]);
    assert.deepEqual(got.tid, [777, 777, 778]);
    assert.deepEqual(got.size, [8, 4, 512]);
    assert.deepEqual(got.isWrite, [1, 0, 0]);
    // Valgrind's own preload library is left out; the stack is labelled.
    assert.deepEqual(
      got.events.map((e) => [e.start, e.kind, e.name, e.prot, e.startup]),
      [
        [0x108000, "file", "/usr/bin/sort-with-a-long-name-over-16-bytes", "r-x", true],
        [0x1ffeff0000, "stack", "[stack]", "rw-", true],
      ],
    );
  }
});

void test("convert: trace → trace re-encodes with another codec, keeping header, footer and events", () => {
  withDir((dir) => {
    const a = syntheticAccesses(61, 5000);
    const src = join(dir, "a.dtrace");
    writeFileSync(
      src,
      writeTrace(
        a,
        { chunkAccesses: 700 },
        [{ at: 5, ev: { type: "map", clock: 1, start: 4096, length: 8192, prot: "rw-", kind: "anon" } }],
        true,
      ),
    );
    const out = join(dir, "b.dtrace");
    const r = convertTrace(src, out, { to: "trace", codec: "brotli" });
    assert.equal(r.rows, 5000);
    const tr = TraceReader.open(out);
    const got = collect(tr);
    tr.close();
    assert.deepEqual(got.addr, a.addr);
    assert.deepEqual(
      got.events.map((e) => e.index),
      [5],
    );
    assert.equal(tr.header.compression, "brotli");
    assert.equal(tr.header.tool, "synthetic");
    assert.equal(tr.footer?.partial, true, "a partial source stays partial");
  });
});

// The CSV is written as UTF-8 and was read back as latin1: "café" became "cafÃ©", and
// worse at each round trip. A 4 MiB read boundary may also split a character.
void test("mapping names keep every character through CSV and back, whatever the read boundaries", () => {
  withDir((dir) => {
    const name = "/tmp/café ünïcode ✓ 日本.so";
    const pad = "x".repeat((4 << 20) - 60); // puts the name across the first 4 MiB read
    const csv = join(dir, "in.csv");
    writeFileSync(
      csv,
      `clock,tid,op,addr,size,prot,kind,name\n0,,map,0x10000000,1048576,rw-,anon,/${pad}\n0,,map,0x20000000,4096,rw-,anon,${name}\n1,1,W,0x10000000,8,,,\n`,
    );
    const t1 = join(dir, "a.dtrace");
    convertTrace(csv, t1, { to: "trace" });
    const back = join(dir, "back.csv");
    convertTrace(t1, back, { to: "csv", withEvents: true });
    const t2 = join(dir, "b.dtrace");
    convertTrace(back, t2, { to: "trace" });
    const names = (f: string) => {
      const r = TraceReader.open(f);
      const out: string[] = [];
      for (const it of r)
        if (it.kind === "events") for (const e of it.events) if ("name" in e) out.push(String(e.name));
      r.close();
      return out;
    };
    assert.ok(names(t1).includes(name), JSON.stringify(names(t1).map((n) => n.slice(0, 40))));
    assert.deepEqual(names(t2), names(t1));
  });
});
