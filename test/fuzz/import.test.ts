/**
 * Fuzz (issue 20): the CSV and lackey importers on generated near-miss lines.
 * Valid result (and then the trace it wrote reads back whole) or one FormatError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CSV_HEADER, CSV_HEADER_EVENTS, CsvParser } from "../../src/workload/trace/csv.js";
import { LackeyParser } from "../../src/workload/trace/lackey.js";
import { TraceReader } from "../../src/workload/trace/reader.js";
import { memWriter } from "../workload/trace/helpers.js";
import { expectTyped, newTally, report, runs, seed, withinMemory } from "./helpers.js";

/** Feeds `text` in two pieces split at `split` (as from a pipe), then ends. */
function feedSplit(p: { feed(t: string): void; end(): void }, text: string, split: number): true {
  const at = split % (text.length + 1);
  p.feed(text.slice(0, at));
  p.feed(text.slice(at));
  p.end();
  return true;
}

/** Reads a written trace back: every access must be there and nothing damaged. */
function readBack(bytes: Uint8Array, accesses: number): void {
  const r = TraceReader.fromBytes(bytes);
  let n = 0;
  for (const it of r) if (it.kind === "accesses") n += it.count;
  assert.equal(r.damage.length, 0);
  assert.equal(n, accesses);
}

/** Number-ish cells: valid, near-miss and hostile. */
const numberCell = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map(String) },
  { weight: 3, arbitrary: fc.nat().map((n) => `0x${n.toString(16)}`) },
  fc.constantFrom(
    "0",
    "0x",
    "0x7ff7fftrue8",
    "1e3",
    "-1",
    "1.5",
    " 42 ",
    "4503599627370495",
    "4503599627370496",
    "9007199254740993",
    "18446744073709551615",
    "0xffffffffffffffff",
    "2147483647",
    "2147483648",
    "4294967297",
    "65535",
    "65536",
    "NaN",
    "Infinity",
    "",
    '"1"',
  ),
  fc.string({ maxLength: 8 }),
);
const opCell = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("R", "W", "r", "w", "map", "unmap", "protect", "remap", "X", "") },
  fc.string({ maxLength: 4 }),
);
const extraCell = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  fc.constantFrom("", "rw-", "r-x", "rwxp", "7", "anon", "file", "heap", "stack", "bogus", '"a,b"', "0x1000"),
  fc.string({ maxLength: 6 }),
);
const csvRow = fc
  .tuple(
    numberCell,
    numberCell,
    opCell,
    numberCell,
    numberCell,
    fc.oneof(fc.constant([]), fc.constant(["", "", ""]), fc.array(extraCell, { maxLength: 4 })),
  )
  .map(([c, t, op, a, s, extra]) => [c, t, op, a, s, ...extra].join(","));
const csvText = fc
  .tuple(
    fc.constantFrom(CSV_HEADER, CSV_HEADER_EVENTS, `${CSV_HEADER},x`, "", "# comment"),
    fc.array(fc.oneof({ weight: 5, arbitrary: csvRow }, fc.constantFrom("", "# c", "\r")), { maxLength: 3 }),
    fc.nat(),
  )
  .map(([h, rows, split]) => ({ text: `${[h, ...rows].join("\n")}\n`, split }));

void test("fuzz: CSV import on generated rows", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(csvText, ({ text, split }) => {
        const { w, bytes } = memWriter();
        const p = new CsvParser(w, "f.csv");
        const ok = expectTyped(tally, text, () => feedSplit(p, text, split));
        if (ok) {
          const footer = w.finish({ partial: false });
          readBack(bytes(), footer.accesses);
        }
      }),
      { seed: seed(20_2002), numRuns: runs(1500) },
    ),
  );
  report("csv", tally);
});

const hexish = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map((n) => n.toString(16)) },
  fc.constantFrom(
    "1ffefffzz",
    "0x1000",
    "ffffffffffffff",
    "10000000000000",
    "fffffffffffff",
    "",
    "-10",
    "04016a60",
  ),
  fc.string({ maxLength: 6 }),
);
const sizeish = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 70_000 }).map(String) },
  fc.constantFrom("8xyz", "1.5", "", "-1", "08", "65535", "65536", "99999999999"),
  fc.string({ maxLength: 4 }),
);
const lackeyLine = fc.oneof(
  fc
    .tuple(fc.constantFrom("I  ", " L ", " S ", " M ", " X ", " L  ", "L ", " l "), hexish, sizeish)
    .map(([k, a, s]) => `${k}${a},${s}`),
  fc.constantFrom("==4242== Lackey", "==99999999999== x", "==x==", "", "\r", "   "),
  fc.string({ maxLength: 12 }),
);

void test("fuzz: lackey import on generated lines", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(fc.array(lackeyLine, { maxLength: 8 }), fc.nat(), (lines, split) => {
        const text = `${lines.join("\n")}\n`;
        const { w, bytes } = memWriter();
        const p = new LackeyParser(w, "f.lackey");
        const ok = expectTyped(tally, text, () => feedSplit(p, text, split));
        if (ok) {
          const footer = w.finish({ partial: false });
          readBack(bytes(), footer.accesses);
          // A modify line is two accesses; the parser counts every one.
          assert.equal(footer.accesses, p.accesses);
        }
      }),
      { seed: seed(20_2003), numRuns: runs(1500) },
    ),
  );
  report("lackey", tally);
});
