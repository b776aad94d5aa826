/**
 * Issue 20: the CSV and lackey importers take their grammars exactly, and every
 * refusal is a FormatError naming the file and line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError } from "../../../src/util/errors.js";
import { CsvParser } from "../../../src/workload/trace/csv.js";
import { LackeyParser } from "../../../src/workload/trace/lackey.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import { collect, memWriter } from "./helpers.js";

function csv(text: string): ReturnType<typeof collect> {
  const { w, bytes } = memWriter();
  const p = new CsvParser(w, "in.csv");
  p.feed(text);
  p.end();
  w.finish({ partial: false });
  return collect(TraceReader.fromBytes(bytes()));
}

function csvError(text: string, re: RegExp): void {
  assert.throws(
    () => csv(text),
    (e: unknown) => e instanceof FormatError && re.test(e.message),
  );
}

// Fails before parseCsvInteger: parseInt("7ff7fftrue8", 16) stopped at the "t" and gave 0x7ff7ff.
void test("CSV: a number with trailing characters is refused, naming the column and line", () => {
  csvError(
    "clock,tid,op,addr,size\n1,1,R,0x1000,8\n2,1,R,0x7ff7fftrue8,8\n",
    /in\.csv:3: addr "0x7ff7fftrue8"/,
  );
  csvError("clock,tid,op,addr,size\n1e3,1,R,0x1000,8\n", /in\.csv:2: clock "1e3" is not an unsigned integer/);
  csvError("clock,tid,op,addr,size\n1,1,R,4096,8.0\n", /in\.csv:2: size "8.0"/);
  csvError("clock,tid,op,addr,size\n1,1,R,-4096,8\n", /in\.csv:2: addr "-4096"/);
  csvError("clock,tid,op,addr,size\n1,1,R, 0x,8\n", /in\.csv:2: addr " 0x"/);
  csvError("clock,tid,op,addr,size\n1,1,R,4096,65536\n", /in\.csv:2: size "65536" is not at most 65535/);
  csvError("clock,tid,op,addr,size\n4503599627370496,1,R,4096,8\n", /in\.csv:2: clock .* is not at most/);
});

// Fails before the tid check: 4294967297 was stored as int32 1 (and 2^31 as -2^31).
void test("CSV: thread ids outside 0..2^31-1 are refused, not truncated to 32 bits", () => {
  csvError(
    "clock,tid,op,addr,size\n1,4294967297,R,0x1000,8\n",
    /in\.csv:2: tid "4294967297" is not at most 2147483647/,
  );
  csvError("clock,tid,op,addr,size\n1,2147483648,W,0x1000,8\n", /in\.csv:2: tid/);
  csvError("clock,tid,op,addr,size\n1,-1,W,0x1000,8\n", /in\.csv:2: tid "-1"/);
  assert.deepEqual(csv("clock,tid,op,addr,size\n1,2147483647,W,0x1000,8\n").tid, [2147483647]);
});

// Fails before the exact header/column checks ("clock,tid,op,addr,sizes" and 6 columns were accepted).
void test("CSV: the header is one of the two forms exactly; columns and event fields are checked", () => {
  csvError("clock,tid,op,addr,sizes\n", /in\.csv:1: expected the header/);
  csvError("clock,tid,op,addr,size\n1,1,R,0x1000,8,junk\n", /in\.csv:2: expected 5 columns .* got 6/);
  const EV = "clock,tid,op,addr,size,prot,kind,name\n";
  csvError(`${EV}1,1,R,0x1000,8,rw-,,\n`, /in\.csv:2: an access row has prot/);
  csvError(`${EV}1,,map,0x1000,4096,7,anon,\n`, /in\.csv:2: map event field prot is "7"/);
  csvError(`${EV}1,,map,0x1000,4096,rw-,heapish,\n`, /in\.csv:2: kind "heapish"/);
  csvError(`${EV}1,,remap,0x1000,4096,,,0x2000zz\n`, /in\.csv:2: new start .* "0x2000zz"/);
  const ok = csv(
    `${EV}0,,map,0x1000,4096,rw-,anon,"a,b"\n1,3,W,0x1008,8,,,\n2,,remap,0x1000,4096,,,0x9000\n`,
  );
  assert.deepEqual(ok.events, [
    { type: "map", clock: 0, start: 0x1000, length: 4096, prot: "rw-", kind: "anon", name: "a,b", index: 0 },
    { type: "remap", clock: 2, start: 0x1000, length: 4096, to: 0x9000, index: 1 },
  ]);
  assert.deepEqual(ok.addr, [0x1008]);
});

function lackey(text: string): LackeyParser {
  const p = new LackeyParser(memWriter().w, "in.lackey");
  p.feed(text);
  p.end();
  return p;
}

// Fails before the exact lackey grammar: parseInt stopped at "zz" and at "xyz", and "1.5" read as 1.
void test("lackey: `1ffefffzz,8xyz`, size 1.5 and other near-misses are refused with their line number", () => {
  for (const [line, re] of [
    [" L 1ffefffzz,8xyz", /in\.lackey:2: not a lackey --trace-mem line: " L 1ffefffzz,8xyz"/],
    [" S 1ffefff000,1.5", /in\.lackey:2: .*1\.5/],
    [" L 0x1000,8", /in\.lackey:2/],
    [" X 1000,8", /in\.lackey:2/],
    [" L 1000,", /in\.lackey:2/],
    [" L  1000,8", /in\.lackey:2/],
    ["I  0400zz,3", /in\.lackey:2/],
    [" L 10000000000000,8", /in\.lackey:2: .*address at or above 2\^52/],
    [" M 1000,65536", /in\.lackey:2: .*size above 65535/],
  ] as const) {
    assert.throws(
      () => lackey(`I  0400,3\n${line}\n`),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
      line,
    );
  }
  // Windows line ends and valgrind's messages still read.
  const p = lackey("==12==  hello\r\nI  0400,3\r\n L 1000,8\r\n M 2000,4\r\n");
  assert.equal(p.accesses, 3);
  assert.equal(p.pid, 12);
});
