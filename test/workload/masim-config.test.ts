import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, InputError } from "../../src/util/errors.js";
import { loadMasimConfig, parseMasimConfig } from "../../src/workload/masim-config.js";

const SHIPPED = join(import.meta.dirname, "../../workloads/masim");

const GOOD = `#regions
a, 4096
b, 8192, none
# a comment inside the paragraph is dropped first

# phase 1
first
100
a, 1, 64, 80
b, 0, 4096, 20, rw

second
# comment between name and duration
50
b, 0, 64, 1, ro
`;

test("parses regions, phases, patterns, modes and defaults", () => {
  const c = parseMasimConfig(GOOD, "good.cfg");
  assert.deepEqual(
    c.regions.map((r) => [r.name, r.sizeBytes, r.initData]),
    [
      ["a", 4096, null],
      ["b", 8192, null],
    ],
  );
  assert.equal(c.phases.length, 2);
  assert.equal(c.phases[0].name, "first");
  assert.equal(c.phases[0].durationMs, 100);
  assert.deepEqual(
    c.phases[0].patterns.map((p) => [p.region, p.random, p.strideBytes, p.probability, p.mode]),
    [
      [0, true, 64, 80, "wo"],
      [1, false, 4096, 20, "rw"],
    ],
  );
  assert.equal(c.phases[1].patterns[0].mode, "ro");
  assert.equal(parseMasimConfig(GOOD, "x", { defaultMode: "ro" }).phases[0].patterns[0].mode, "ro");
});

test("a missing final newline keeps the last line (masim would drop it)", () => {
  const c = parseMasimConfig("a, 4096\n\np\n10\na, 0, 64, 1", "x");
  assert.equal(c.phases[0].patterns.length, 1);
});

test("every shipped masim config parses", () => {
  const files = readdirSync(SHIPPED).filter((f) => f.endsWith(".cfg"));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const c = loadMasimConfig(join(SHIPPED, f));
    assert.ok(c.regions.length >= 1 && c.phases.length >= 1, f);
  }
  const stairs = loadMasimConfig(join(SHIPPED, "stairs_30secs.cfg"));
  assert.equal(stairs.regions.length, 10);
  assert.equal(stairs.phases.length, 11);
  assert.equal(
    stairs.phases.reduce((s, p) => s + p.durationMs, 0),
    30_000,
  );
});

function errorOf(text: string): ConfigError {
  try {
    parseMasimConfig(text, "bad.cfg");
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a ConfigError");
}

test("errors name file:line and the problem", () => {
  const cases: [string, string, RegExp][] = [
    ["a, 4096\n\np\n10\nb, 0, 64, 1\n", "bad.cfg:5", /unknown region 'b'.*known: 'a'/],
    ["a , 4096\n\np\n10\na, 0, 64, 1\n", "bad.cfg:5", /unknown region 'a'.*verbatim.*'a '/],
    ["a, 4096\n\np\n10\na, 0, 64\n", "bad.cfg:5", /4 or 5 fields.*got 3/],
    ["a, 4096\n\np\n10\na, 0, 64, 1, 2, 3\n", "bad.cfg:5", /4 or 5 fields.*got 6/],
    ["a, 4096, x, y\n\np\n10\na, 0, 64, 1\n", "bad.cfg:1", /2 or 3 fields.*got 4/],
    ["a, 4K\n\np\n10\na, 0, 64, 1\n", "bad.cfg:1", /region size.*'4K'/],
    ["a, 0\n\np\n10\na, 0, 64, 1\n", "bad.cfg:1", /must be positive/],
    ["a, 4096\n\np\nten\na, 0, 64, 1\n", "bad.cfg:4", /duration.*'ten'/],
    ["a, 4096\n\np\n10\n", "bad.cfg:3", /at least one access pattern/],
    ["a, 4096\n\np\n10\na, 0, 64, 1, xx\n", "bad.cfg:5", /ro, wo or rw.*'xx'/],
    ["a, 4096\n\np\n10\na, 0, -64, 1\n", "bad.cfg:5", /stride/],
    ["a, 4096\n\n\np\n10\na, 0, 64, 1\n", "bad.cfg:3", /two blank lines/],
    ["a, 4096\na, 8192\n\np\n10\na, 0, 64, 1\n", "bad.cfg:2", /already defined at line 1/],
    ["a, 4096\n", "bad.cfg:1", /no phases/],
    ["# only a comment\n", "bad.cfg:1", /empty/],
  ];
  for (const [text, where, msg] of cases) {
    const e = errorOf(text);
    assert.equal(e.where, where, `${JSON.stringify(text)} → ${e.message}`);
    assert.match(e.message, msg);
    assert.equal(e.message.split("\n").length, 1, "one line");
  }
});

test("line numbers count comment lines", () => {
  const e = errorOf("# c1\n# c2\na, 4096\n\n# c3\np\n# c4\n10\nzz, 0, 64, 1\n");
  assert.equal(e.where, "bad.cfg:9");
});

test("an unreadable file is an input error naming the path", () => {
  assert.throws(
    () => loadMasimConfig("/nonexistent/x.cfg"),
    (e: unknown) => e instanceof InputError && /ENOENT/.test(e.message) && e.where === "/nonexistent/x.cfg",
  );
});
