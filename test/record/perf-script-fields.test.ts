/**
 * The perf script reader splits lines at whitespace as `split(/\s+/)` does, with a
 * loop for ASCII text (src/record/perf-script.ts `fieldsOf`): tabs, vertical tabs,
 * form feeds, carriage returns and, through the regular path, Unicode spaces and
 * non-ASCII command names must give the records plain spaces give.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PerfScriptParser } from "../../src/record/perf-script.js";

const LINES = [
  "kdamond.0 1234 [001] 1.100000: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: 3 1",
  "kdamond.0 1234 [001] 1.100000: damon:damon_aggregated: target_id=0 nr_regions=2 8192-16384: 0 5",
  "kdamond.0 1234 [001] 1.200000: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: 7 0",
  "kdamond.0 1234 [001] 1.200000: damon:damon_aggregated: target_id=0 nr_regions=2 8192-16384: 1 6",
];

function read(text: string): unknown {
  const p = new PerfScriptParser("t.txt");
  p.feed(text);
  return p.end().map((r) => ({
    ...r,
    snapshots: r.snapshots.map((s) => ({ ...s, start: [...s.start], end: [...s.end], age: [...s.age] })),
  }));
}

void test("perf script fields split at any whitespace, ASCII or not", () => {
  const plain = read(LINES.join("\n") + "\n");
  for (const [name, sep] of [
    ["tabs", "\t"],
    ["mixed ASCII", " \t\v\f "],
    ["no-break space", "\u00a0"],
    ["ideographic space", " \u3000 "],
  ] as const) {
    const text = LINES.map((l, i) => (i % 2 ? l : l.replaceAll(" ", sep))).join("\r\n") + "\n";
    assert.deepEqual(read(text), plain, name);
  }
  // a command name that is not ASCII, and leading/trailing blanks
  const named = LINES.map((l) => `  ${l.replace("kdamond.0", "kdämond.0")}\t `).join("\n");
  assert.deepEqual(read(named), plain);
  // a cut line is still damage, found through either path
  for (const l of [LINES[1].slice(0, 70), LINES[1].slice(0, 70).replaceAll(" ", "\u00a0")])
    assert.throws(() => read([LINES[0], l, ...LINES.slice(2)].join("\n")), /t\.txt:2: /);
});
