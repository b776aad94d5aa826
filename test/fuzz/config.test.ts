/**
 * Fuzz (issue 20): the configuration parsers: masim configs, kdamonds YAML/JSON
 * (text mutations and field replacements), the compact `--scheme` form, and the
 * human-format value readers. Valid result or one typed error; accepted configs
 * must also survive a write/read round trip unchanged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  readAge,
  readBool,
  readCount,
  readInt,
  readNrAccesses,
  readRatio,
  readSize,
  readTime,
} from "../../src/config/human-format.js";
import {
  DEFAULT_INTERVALS,
  formatKdamonds,
  kdamondsToDamo,
  parseKdamonds,
  parseKdamondsText,
  parseSchemes,
  schemesToDamo,
  simpleKdamonds,
} from "../../src/config/kdamonds.js";
import { COMPACT_KEYS, parseCompactScheme } from "../../src/schemes/compact.js";
import { UsageError } from "../../src/util/errors.js";
import { parseBool, parseCount, parseDurationNs, parseSizeBytes } from "../../src/util/units.js";
import { parseMasimConfig } from "../../src/workload/masim-config.js";
import { expectTyped, newTally, report, runs, seed, withinMemory } from "./helpers.js";

const iv = DEFAULT_INTERVALS;

/** Character-level damage: cut, drop or duplicate a line, replace a span with a token. */
const TOKENS = [
  "",
  "null",
  "~",
  "-1",
  "1e999",
  "NaN",
  ".inf",
  "18446744073709551615",
  "9007199254740993",
  "0.5",
  "max",
  "min",
  "4MiB-2MiB",
  "101 %",
  "{}",
  "[]",
  ":",
  ",",
  "\n",
  "  ",
  "'",
  '"',
  "- ",
  "&a",
  "*a",
  "!!binary",
  "1,000",
  "5 ms",
  "zz",
];
const textEdit = fc.oneof(
  fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1))),
  fc.tuple(fc.nat(), fc.boolean()).map(([n, dup]) => (t: string) => {
    const ls = t.split("\n");
    const i = n % ls.length;
    if (dup) ls.splice(i, 0, ls[i]);
    else ls.splice(i, 1);
    return ls.join("\n");
  }),
  fc
    .tuple(fc.nat(), fc.nat({ max: 12 }), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })))
    .map(([at, len, tok]) => (t: string) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + tok + t.slice(i + len);
    }),
);

// ---------------------------------------------------------------- masim

const MASIM = `#regions
a, 4096
b, 8192, none

# phase 1
first
100
a, 1, 64, 80
b, 0, 4096, 20, rw

second
50
b, 0, 64, 1, ro
`;

void test("fuzz: masim config parser on mutated configs", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(fc.array(textEdit, { minLength: 1, maxLength: 3 }), (edits) => {
        let t = MASIM;
        for (const e of edits) t = e(t);
        const c = expectTyped(tally, t, () => parseMasimConfig(t, "f.cfg"));
        if (c) {
          for (const r of c.regions) assert.ok(Number.isSafeInteger(r.sizeBytes) && r.sizeBytes > 0);
          for (const p of c.phases) {
            assert.ok(Number.isSafeInteger(p.durationMs));
            for (const x of p.patterns) assert.ok(x.region >= 0 && x.region < c.regions.length);
          }
        }
      }),
      { seed: seed(20_2004), numRuns: runs(1200) },
    ),
  );
  report("masim", tally);
});

// ---------------------------------------------------------------- kdamonds

const FULL = simpleKdamonds({
  targetPid: 42,
  regions: [
    { start: 4096, end: 8192 },
    { start: 2 ** 20, end: 2 ** 21 },
  ],
  schemes: [
    parseCompactScheme(
      "pageout sz=4KiB.. nr=0%..5% age=5s.. quota=10ms/128MiB/1s weights=0/3/7 goal=some_mem_psi_us:1000 wmarks=free_mem_rate/5s/500/400/200 filter=reject:anon filter=allow:hugepage_size=2MiB-2MiB",
      iv,
    ),
    parseCompactScheme("migrate_cold target=1 nr=0..0 filter=reject:addr=4096-8192", iv),
  ],
});
const YAML_TEXT = formatKdamonds(FULL, "yaml");
const JSON_TEXT = formatKdamonds(FULL, "json");

/** Accepted configurations read back the same after being written. */
function roundTrips(c: ReturnType<typeof parseKdamonds>): void {
  for (const fmt of ["json", "yaml"] as const) {
    const again = parseKdamondsText(formatKdamonds(c, fmt), `again.${fmt}`);
    assert.deepEqual(again, c, `${fmt} round trip`);
  }
}

void test("fuzz: kdamonds YAML and JSON text, mutated", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(fc.boolean(), fc.array(textEdit, { minLength: 1, maxLength: 3 }), (yaml, edits) => {
        let t = yaml ? YAML_TEXT : JSON_TEXT;
        for (const e of edits) t = e(t);
        const c = expectTyped(tally, t, () => parseKdamondsText(t, yaml ? "f.yaml" : "f.json"));
        if (c) roundTrips(c);
      }),
      { seed: seed(20_2005), numRuns: runs(1000) },
    ),
  );
  report("kdamonds text", tally);
});

/** Every path to a leaf or object in a JSON value. */
function paths(
  v: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === "object" && v !== null)
    for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
const DAMO = kdamondsToDamo(FULL);
const DAMO_PATHS = paths(DAMO).filter((p) => p.length > 0);

const oddValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    0.5,
    2 ** 53,
    2 ** 64,
    1e308,
    -0,
    "",
    "max",
    "min",
    "-4 KiB",
    "1e999",
    "NaN",
    "18446744073709551615",
    "101 %",
    "3 samples",
    "2 aggr_intervals",
    "5 ms",
    "4MiB",
    "yes",
    [],
    {},
    [1, 2],
    { min: "1", max: "0" },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

function setAt(root: unknown, path: (string | number)[], v: unknown, remove: boolean): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = v;
  return copy;
}

void test("fuzz: kdamonds objects with fields replaced or removed", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), oddValue, fc.boolean()), { minLength: 1, maxLength: 3 }),
        (edits) => {
          let d: unknown = DAMO;
          for (const [pi, v, rm] of edits) {
            const all = paths(d).filter((p) => p.length > 0);
            const p = (all.length > 0 ? all : DAMO_PATHS)[pi % Math.max(1, all.length)];
            try {
              d = setAt(d, p, v, rm);
            } catch {
              // the path vanished under an earlier edit
            }
          }
          const c = expectTyped(tally, JSON.stringify(d), () => parseKdamonds(d, "f.json"));
          if (c) roundTrips(c);
        },
      ),
      { seed: seed(20_2006), numRuns: runs(1000) },
    ),
  );
  report("kdamonds fields", tally);
});

// ---------------------------------------------------------------- --scheme

const VALUES: Record<string, string[]> = {
  sz: ["4KiB..", "..2MiB", "0..max", "2MiB..4KiB", "-1..", "1.5KiB..", "x..y", "..", "1..2..3"],
  nr: ["0..0", "0%..5%", "0%..101%", "5..2", "1.5..2", "..max", "0%..", "%..%"],
  age: ["5s..", "3..", "..1m", "1h..1s", "5..x", "0..18446744073709551616"],
  apply: ["10ms", "5", "-1s", "x", "1e999s"],
  quota: ["10ms/128MiB/1s", "/1GiB/1s", "1/2/3/4", "x", "0"],
  weights: ["0/3/7", "1/2", "a/b/c", "0/0/1001"],
  goal: [
    "some_mem_psi_us:1000",
    "node_mem_used_bp:9970@0",
    "node_mem_used_bp:1@18446744073709551616",
    "user_input:0",
    "psi:1",
    "node_memcg_used_bp:5@0:/a",
  ],
  tuner: ["consist", "temporal", "x"],
  wmarks: [
    "free_mem_rate/5s/500/400/200",
    "free_mem_rate/1s/100/200/300",
    "none/0/0/0/0",
    "x/1/2/3/4",
    "a/b",
  ],
  target: ["0", "1", "18446744073709551616", "-1", "x"],
  dests: ["0:1,1:3", "1:x", "18446744073709551616:1", ""],
  filter: [
    "reject:anon",
    "allow:!young",
    "allow:hugepage_size=2MiB-2MiB",
    "allow:hugepage_size=4MiB-2MiB",
    "reject:addr=4096-8192",
    "reject:addr=8192-4096",
    "reject:memcg=/a",
    "reject:memcg",
    "reject:target=0",
    "reject:target=x",
    "reject:anon=1",
    "maybe:anon",
  ],
};
const schemeWord = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(...COMPACT_KEYS)
      .chain((k) => fc.constantFrom(...VALUES[k]).map((v) => `${k}=${v}`)),
  },
  fc.constantFrom(...COMPACT_KEYS).chain((k) => fc.string({ maxLength: 6 }).map((v) => `${k}=${v}`)),
  fc.string({ maxLength: 8 }),
);
const schemeText = fc
  .tuple(
    fc.constantFrom("stat", "pageout", "migrate_hot", "migrate_cold", "lru_prio", "pagout", ""),
    fc.array(schemeWord, { maxLength: 4 }),
  )
  .map(([a, ws]) => [a, ...ws].join(" "));

void test("fuzz: --scheme compact form", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  withinMemory(() =>
    fc.assert(
      fc.property(schemeText, (text) => {
        const s = expectTyped(tally, text, () => parseCompactScheme(text, iv));
        if (s) {
          // What --scheme accepted, a kdamonds file holds and reads back the same.
          const again = parseSchemes(
            JSON.parse(JSON.stringify(schemesToDamo([s]))) as unknown,
            iv,
            "again.json",
          );
          assert.deepEqual(again[0], s);
        }
      }),
      { seed: seed(20_2007), numRuns: runs(1500) },
    ),
  );
  report("--scheme", tally);
});

// ---------------------------------------------------------------- human-format values

const valueText = fc.oneof(
  fc.constantFrom(...TOKENS),
  fc
    .tuple(
      fc.oneof(
        fc.nat().map(String),
        fc.double({ noNaN: true }).map(String),
        fc.constantFrom("1,024", ".5", "1.", "0"),
      ),
      fc.constantFrom(
        "",
        " ",
        "B",
        "KiB",
        " MiB",
        "G",
        "EiB",
        "ms",
        " s",
        "us",
        "m",
        "h",
        "%",
        " %",
        "samples",
        "aggr_intervals",
        "xyz",
      ),
    )
    .map(([n, u]) => `${n}${u}`),
  fc.string({ maxLength: 10 }),
);
const valueAny = fc.oneof(valueText, fc.double(), fc.integer());

/** Human-format readers throw plain Errors by design (the schema wraps them in ConfigError). */
const plainError = (e: unknown) => e instanceof Error && e.constructor === Error;

void test("fuzz: human-format value readers and option parsers", { timeout: runs(60_000) }, () => {
  const tally = newTally();
  const sane = (n: number, integer: boolean) =>
    n === Infinity ||
    (Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER && (!integer || Number.isInteger(n)));
  withinMemory(() =>
    fc.assert(
      fc.property(valueAny, (v) => {
        const num = v;
        const r1 = expectTyped(tally, String(v), () => readSize(num), plainError);
        if (r1 !== undefined) assert.ok(sane(r1, true), `readSize(${String(v)}) = ${r1}`);
        const r2 = expectTyped(tally, String(v), () => readCount(num), plainError);
        if (r2 !== undefined) assert.ok(sane(r2, true), `readCount(${String(v)}) = ${r2}`);
        const r3 = expectTyped(tally, String(v), () => readInt(num), plainError);
        if (r3 !== undefined) assert.ok(Number.isSafeInteger(r3), `readInt(${String(v)}) = ${r3}`);
        const r4 = expectTyped(tally, String(v), () => readTime(num, 1e3), plainError);
        if (r4 !== undefined) assert.ok(sane(r4, false), `readTime(${String(v)}) = ${r4}`);
        const r5 = expectTyped(tally, String(v), () => readRatio(num, 10), plainError);
        if (r5 !== undefined) assert.ok(sane(r5, false), `readRatio(${String(v)}) = ${r5}`);
        const r6 = expectTyped(tally, String(v), () => readNrAccesses(num), plainError);
        if (r6 !== undefined)
          assert.ok(sane(r6.value, r6.unit === "samples"), `readNrAccesses(${String(v)})`);
        const r7 = expectTyped(tally, String(v), () => readAge(num), plainError);
        if (r7 !== undefined) assert.ok(sane(r7.value, r7.unit === "aggrs"), `readAge(${String(v)})`);
        if (typeof v === "string") {
          expectTyped(tally, v, () => readBool(v), plainError);
          const u = (e: unknown) => e instanceof UsageError;
          const d = expectTyped(tally, v, () => parseDurationNs(v, "--x"), u);
          if (d !== undefined) assert.ok(Number.isFinite(d) && d >= 0, `parseDurationNs(${v}) = ${d}`);
          const s = expectTyped(tally, v, () => parseSizeBytes(v, "--x"), u);
          if (s !== undefined) assert.ok(sane(s, true), `parseSizeBytes(${v}) = ${s}`);
          const c = expectTyped(tally, v, () => parseCount(v, "--x"), u);
          if (c !== undefined) assert.ok(sane(c, true), `parseCount(${v}) = ${c}`);
          expectTyped(tally, v, () => parseBool(v, "--x"), u);
        }
      }),
      { seed: seed(20_2008), numRuns: runs(1500) },
    ),
  );
  report("human-format values", tally);
});
