/**
 * The reader's fast paths (the pattern reader of compact-snapshot.ts and the
 * per-snapshot JSON.parse) change speed only: on damo's layout and on ours, as
 * written and mutated (odd whitespace, other key orders, unicode, numbers as
 * floats, truncated, corrupt), fed in random chunks, the reader gives exactly what
 * the byte-level parser alone gives, or fails with exactly its message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { RecordJsonParser } from "../../src/record/json-stream.js";
import { CompactReader } from "../../src/record/compact-snapshot.js";
import { damoJsonChunks } from "../../src/record/damo-layout.js";
import { recordsJsonChunks } from "../../src/record/write.js";
import { makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { recordOf } from "../helpers/records.js";
import { synthSnapshots } from "./helpers.js";

function records(seed: number): DamonRecord[] {
  const snaps = synthSnapshots(seed, 6, 40).map((s, i) =>
    makeSnapshot(
      s.startNs,
      s.endNs,
      s.regions.map((r, k) => ({
        ...r,
        // sizes in damo's "31.340 MiB" form and unknown ages, now and then
        szFilterPassed: k % 7 === 3 ? (r.end - r.start) * 3 + 12345 : 0,
        age: (k + i) % 11 === 5 ? NaN : r.age,
      })),
    ),
  );
  return [recordOf(snaps), { ...recordOf(snaps.slice(0, 2)), targetId: "7" }];
}

type Outcome = { records: DamonRecord[] } | { error: string };

function read(text: Buffer, fastPaths: boolean, cuts: number[] = []): Outcome {
  try {
    const p = new RecordJsonParser("mem.json", { fastPaths });
    let at = 0;
    for (const c of cuts) {
      if (at >= text.length) break;
      // a fresh copy per chunk: the reader must not keep views of the caller's buffers
      p.feed(Buffer.from(text.subarray(at, at + c)));
      at += c;
    }
    if (at < text.length) p.feed(Buffer.from(text.subarray(at)));
    return { records: p.end() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Counts the pattern reader's successful snapshot reads while fn runs. */
function patternReads(fn: () => void): number {
  // the original method, called below with the reader as `this`
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const orig = CompactReader.prototype.read;
  let n = 0;
  CompactReader.prototype.read = function (this: CompactReader, ...a: Parameters<typeof orig>) {
    const r = orig.apply(this, a);
    if (typeof r === "object") n++;
    return r;
  };
  try {
    fn();
  } finally {
    CompactReader.prototype.read = orig;
  }
  return n;
}

const LAYOUTS: [string, (r: DamonRecord[]) => string][] = [
  ["damo 3.3", (r) => [...damoJsonChunks(r)].join("")],
  ["damon-ts compact", (r) => [...recordsJsonChunks(r, true)].join("")],
];

for (const [name, write] of LAYOUTS) {
  void test(`${name} layout: the pattern reader reads every snapshot, and reads what the byte-level parser reads`, () => {
    const text = Buffer.from(write(records(3)));
    let fast: Outcome = { error: "not read" };
    const n = patternReads(() => (fast = read(text, true, [5000, 3000, 7919, 1])));
    assert.equal(n, 8, "all 8 snapshots by the pattern reader");
    const slow = read(text, false);
    assert.ok("records" in slow, JSON.stringify(slow));
    assert.deepEqual(fast, slow);
    assert.equal(slow.records[0].snapshots[0].nr, 40);
  });
}

const TOKENS = [
  " ",
  "\t",
  "\r\n",
  "\n",
  ".0",
  "e2",
  "E-1",
  "é",
  "\\u0041",
  "-",
  "0",
  "9",
  ",",
  '"',
  "}",
  "]",
  "null",
  "x",
];
const mutation = fc.record({
  kind: fc.integer({ min: 0, max: 3 }),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  token: fc.nat({ max: TOKENS.length - 1 }),
});

function mutate(b: Buffer, m: { kind: number; at: number; len: number; token: number }): Buffer {
  const at = m.at % b.length;
  const tok = Buffer.from(TOKENS[m.token], "utf8");
  switch (m.kind) {
    case 0:
      return Buffer.concat([b.subarray(0, at), tok, b.subarray(at)]);
    case 1:
      return Buffer.concat([b.subarray(0, at), tok, b.subarray(at + m.len)]);
    case 2:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    default:
      return b.subarray(0, at); // truncated
  }
}

for (const [name, write] of LAYOUTS) {
  for (const seed of [101, 102]) {
    void test(`${name} layout, mutated: same records or the same error with and without fast paths (seed ${seed})`, () => {
      const text = Buffer.from(write(records(seed)));
      let errors = 0;
      fc.assert(
        fc.property(
          fc.array(mutation, { minLength: 1, maxLength: 2 }),
          fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 0, maxLength: 12 }),
          (ms, cuts) => {
            let b: Buffer = text;
            for (const m of ms) b = mutate(b, m);
            const slow = read(b, false);
            if ("error" in slow) errors++;
            assert.deepEqual(read(b, true, cuts), slow);
          },
        ),
        { seed, numRuns: 250 },
      );
      // both kinds of outcome are exercised
      assert.ok(errors > 10 && errors < 240, `${errors} of 250 mutated texts failed`);
    });
  }
}

void test("odd whitespace, other key orders, unicode and float numbers read as the byte-level parser reads them", () => {
  const damo = [...damoJsonChunks(records(5))].join("");
  const variants: [string, string][] = [
    ["tabs for indentation", damo.replace(/\n {24}"end"/g, '\n\t"end"')],
    ["CRLF line ends", damo.replace(/\n/g, "\r\n")],
    [
      "end before start",
      damo.replace(/"start": ("[0-9,]+"),(\s+)"end": ("[0-9,]+")/g, '"end": $3,$2"start": $1'),
    ],
    ["unicode in a time text", damo.replace('"usec": "0 ns"', '"usec": "0 ns\u00e9"')],
    ["unicode data source", damo.replace('"data_source": "unknown"', '"data_source": "vaddr \u00e9\u4e2d"')],
    ["samples as floats", damo.replace(/"samples": (\d+)/g, '"samples": $1.0')],
    ["exponent total_bytes", damo.replace(/"total_bytes": "(\d+)"/, '"total_bytes": 1e3')],
    ["an extra region key", damo.replace('"probe_hits": [],', '"probe_hits": [], "x": 1,')],
  ];
  for (const [what, text] of variants) {
    assert.notEqual(text, damo, `${what}: the variant differs`);
    const b = Buffer.from(text, "utf8");
    const slow = read(b, false);
    assert.deepEqual(read(b, true, [4096, 999, 70000]), slow, what);
  }
  // the float samples read as the numbers they are
  const floats = read(Buffer.from(variants[5][1]), true);
  const plain = read(Buffer.from(damo), true);
  assert.ok("records" in floats && "records" in plain);
  assert.deepEqual(floats.records[0].snapshots[2].samples, plain.records[0].snapshots[2].samples);
});

void test("a bad time text is the same error with and without fast paths", () => {
  const damo = [...damoJsonChunks(records(6))].join("").replace('"usec": "0 ns"', '"usec": "soon"');
  const slow = read(Buffer.from(damo), false);
  assert.ok("error" in slow && /age\.usec/.test(slow.error), JSON.stringify(slow).slice(0, 200));
  assert.deepEqual(read(Buffer.from(damo), true), slow);
});

void test("addresses in any comma grouping, with leading zeros, long or from 2^53 on read as the byte-level parser reads them", () => {
  const damo = [...damoJsonChunks(records(7))].join("");
  const first = /"start": "([0-9,]+)",(\s+)"end": "([0-9,]+)"/.exec(damo)!;
  assert.equal(first[1], "94,351,841,558,528");
  const forms = [
    "94,351,841,558,528", // the usual grouping, as damo writes it
    "94351841558528",
    "9,4351,841,558,528", // groups of other sizes
    "94,351,841,5,58,528",
    "94,,351,841,558,528",
    "94,351,841,558,528,", // a trailing comma
    ",94,351,841,558,528",
    "000,000,000,094,351,841,558,528", // leading zeros
    "0,000,000,000,000,000,000,000,000,000,000,001", // 40 bytes and more: not the pattern reader's
    "9,007,199,254,740,991", // 2^53 - 1
    "9,007,199,254,740,993", // above 2^53: rounded
    "18,446,744,073,709,551,615",
    "123,456,789,012,345,678,901,234,567",
  ];
  for (const form of forms) {
    // the end at or after the start, so that the region is read (not given up as end < start)
    const end = form.length >= 21 ? form : "9,007,199,254,740,991";
    const text = Buffer.from(damo.replace(first[0], `"start": "${form}",${first[2]}"end": "${end}"`));
    const slow = read(text, false);
    let fast: Outcome = { error: "not read" };
    const n = patternReads(() => (fast = read(text, true, [3000, 5000])));
    assert.deepEqual(fast, slow, form);
    // a first snapshot the pattern reader cannot read turns it off for the file
    assert.equal(n, form.length >= 40 ? 0 : 8, `${form}: snapshots read by the pattern reader`);
  }
});
