/**
 * Issue 20: kdamonds files cut short, duplicate keys, `--scheme` accepting exactly
 * what a kdamonds file accepts, and integers a double cannot hold. Each test fails
 * before the fix named in it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_INTERVALS,
  formatKdamonds,
  parseKdamonds,
  parseKdamondsText,
  parseSchemes,
  simpleKdamonds,
  type KdamondsConfig,
} from "../../src/config/kdamonds.js";
import { parseCompactScheme } from "../../src/schemes/compact.js";
import { ConfigError, InputError } from "../../src/util/errors.js";
import { parseCount, parseSizeBytes } from "../../src/util/units.js";

const iv = DEFAULT_INTERVALS;

function fullConfig(): KdamondsConfig {
  return simpleKdamonds({
    targetPid: 42,
    regions: [{ start: 4096, end: 8192 }],
    schemes: [
      parseCompactScheme(
        "pageout nr=0%..0% age=5s.. quota=10ms/128MiB/1s goal=some_mem_psi_us:1000 wmarks=free_mem_rate/5s/500/400/200 filter=reject:anon",
        iv,
      ),
      parseCompactScheme("stat sz=4KiB..", iv),
    ],
  });
}

// Fails before checkNotCut: a YAML file cut inside `quotas` ran with watermarks and filters defaulted.
void test("kdamonds YAML/JSON cut at any line: a ConfigError, unless the cut falls between two list elements", () => {
  const full = fullConfig();
  for (const fmt of ["yaml", "json"] as const) {
    const lines = formatKdamonds(full, fmt).split("\n");
    let errors = 0;
    for (let n = 1; n < lines.length - 1; n++) {
      const cut = `${lines.slice(0, n).join("\n")}\n`;
      let got: KdamondsConfig;
      try {
        got = parseKdamondsText(cut, `cut.${fmt}`);
      } catch (e) {
        assert.ok(e instanceof ConfigError, `line ${n}: ${String(e)}`);
        errors++;
        continue;
      }
      // A silent cut can only drop whole trailing schemes (a one-scheme file is valid).
      const schemes = got.kdamonds[0].contexts[0].schemes;
      assert.ok(schemes.length < 2, `${fmt} cut after line ${n} parsed`);
      assert.deepEqual(schemes, full.kdamonds[0].contexts[0].schemes.slice(0, schemes.length));
    }
    assert.ok(errors >= lines.length - 4, `${fmt}: ${errors} of ${lines.length - 2} cuts refused`);
  }
  // The case of the issue: cut right after the quotas' weights.
  const yaml = formatKdamonds(full, "yaml");
  const at = yaml.indexOf("age_permil");
  const cut = yaml.slice(0, yaml.indexOf("\n", at) + 1);
  assert.throws(
    () => parseKdamondsText(cut, "k.yaml"),
    (e: unknown) =>
      e instanceof ConfigError &&
      /k\.yaml: kdamonds\[0\]\.contexts\[0\]\.schemes\[0\]: the file looks cut short: .* ends before watermarks, filters/.test(
        e.message,
      ),
  );
});

void test("kdamonds: short hand-written files still read (no false 'cut short')", () => {
  const c = parseKdamondsText(
    "kdamonds:\n- contexts:\n  - ops: vaddr\n    targets:\n    - pid: 1\n      regions: []\n    schemes:\n    - action: pageout\n      quotas:\n        time_ms: 10ms\n",
    "short.yaml",
  );
  assert.equal(c.kdamonds[0].contexts[0].schemes[0].quotas.timeMs, 10);
  assert.equal(parseSchemes([{ action: "stat", access_pattern: { age: { min: "1 s" } } }]).length, 1);
  // A key cut off after its colon (null) where an object is required.
  assert.throws(
    () =>
      parseKdamondsText(
        "kdamonds:\n- contexts:\n  - ops: vaddr\n    targets:\n    - pid: 1\n      regions: []\n    schemes:\n    - action: pageout\n      quotas:\n",
        "n.yaml",
      ),
    (e: unknown) =>
      e instanceof ConfigError &&
      /n\.yaml: .*schemes\[0\]\.quotas: expected object, got null/.test(e.message),
  );
});

// Fails before the full-form rule looked off the last path: a hand-written file (from
// test/vm/boot.test.ts) with one complete three-key object (weights) and a short
// trailing filter was taken for a cut damo file.
void test("kdamonds: a hand-written file with a complete object and a short last filter still reads", () => {
  const schemes = parseSchemes([
    { action: "stat", access_pattern: { sz_bytes: { min: "4 KiB", max: "max" } } },
    {
      action: "stat",
      access_pattern: { age: { min: "1 s", max: "max" } },
      quotas: {
        time_ms: "10 ms",
        weights: { sz_permil: "0 %", nr_accesses_permil: "0.3 %", age_permil: "0.7 %" },
      },
      filters: [{ filter_type: "anon", matching: false, allow: false }],
    },
  ]);
  assert.equal(schemes.length, 2);
});

// Fails before the duplicate-key check: JSON.parse kept the last "action" silently.
void test("kdamonds JSON: a duplicate key is a ConfigError with its line", () => {
  const text =
    '{"kdamonds": [{"contexts": [{"ops": "paddr", "targets": [{"pid": null, "regions": []}],\n "schemes": [{"action": "stat",\n "action": "pageout"}]}]}]}';
  assert.throws(
    () => parseKdamondsText(text, "d.json"),
    (e: unknown) => e instanceof ConfigError && /d\.json:3: duplicate key/.test(e.message),
  );
  assert.throws(() => parseKdamondsText("kdamonds: []\nkdamonds: []\n", "d.yaml"), ConfigError);
});

/** The kdamonds file's verdict on one scheme object. */
function fileScheme(obj: Record<string, unknown>): unknown {
  return parseSchemes([obj], iv, "f.json")[0];
}

// Fails before parseCompactScheme went through parseScheme: each was accepted by --scheme.
void test("--scheme accepts exactly what the kdamonds file accepts: bad values rejected by both", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "stat filter=allow:hugepage_size=4MiB-2MiB",
      {
        action: "stat",
        filters: [{ filter_type: "hugepage_size", allow: true, hugepage_size: ["4MiB", "2MiB"] }],
      },
      /hugepage_size: min is larger than max/,
    ],
    [
      "stat nr=0%..101%",
      { action: "stat", access_pattern: { nr_accesses: { min: "0 %", max: "101 %" } } },
      /101 % is above 100 %/,
    ],
    [
      "migrate_hot target=18446744073709551616",
      { action: "migrate_hot", target_nid: "18446744073709551616" },
      /too large to be exact/,
    ],
    [
      "stat goal=node_mem_used_bp:9970@18446744073709551616",
      {
        action: "stat",
        quotas: { goals: [{ metric: "node_mem_used_bp", target_value: 9970, nid: "18446744073709551616" }] },
      },
      /too large to be exact/,
    ],
    ["stat sz=-4KiB..", { action: "stat", access_pattern: { sz_bytes: { min: "-4KiB" } } }, /negative/],
    [
      "stat wmarks=free_mem_rate/1s/100/200/300",
      {
        action: "stat",
        watermarks: {
          metric: "free_mem_rate",
          interval_us: "1s",
          high_permil: 100,
          mid_permil: 200,
          low_permil: 300,
        },
      },
      /high >= mid >= low/,
    ],
  ];
  for (const [compact, obj, re] of cases) {
    assert.throws(
      () => parseCompactScheme(compact, iv),
      (e: unknown) => e instanceof InputError && re.test(e.message),
      compact,
    );
    assert.throws(
      () => fileScheme(obj),
      (e: unknown) => e instanceof InputError && re.test(e.message),
      JSON.stringify(obj),
    );
  }
  // ... and good values give the same scheme both ways.
  assert.deepEqual(
    parseCompactScheme(
      "migrate_cold target=1 nr=0%..5% age=2s.. quota=5ms/1GiB/1s filter=allow:hugepage_size=2MiB-2MiB",
      iv,
    ),
    fileScheme({
      action: "migrate_cold",
      target_nid: 1,
      access_pattern: { nr_accesses: { min: "0 %", max: "5 %" }, age: { min: "2 s" } },
      quotas: { time_ms: "5 ms", sz_bytes: "1 GiB", reset_interval_ms: "1 s" },
      filters: [
        { filter_type: "hugepage_size", allow: true, matching: true, hugepage_size: ["2MiB", "2MiB"] },
      ],
    }),
  );
});

// Fails before the duplicate-key check of the compact form: the last `nr=` won silently.
void test("--scheme: a key given twice is refused (goal and filter may repeat)", () => {
  assert.throws(() => parseCompactScheme("stat nr=0..1 nr=5..6", iv), /--scheme: nr: given twice/);
  assert.throws(() => parseCompactScheme("stat quota=1ms quota=2ms", iv), /quota: given twice/);
  const s = parseCompactScheme(
    "stat filter=reject:anon filter=allow:young goal=user_input:5 goal=user_input:6",
    iv,
  );
  assert.equal(s.filters.length, 2);
  assert.equal(s.quotas.goals.length, 2);
});

// Fails before exact-integer checks: the pid read as 18446744073709552000 and was written so.
void test("integers above 2^53: pids, node ids and address ranges are refused, not rounded", () => {
  assert.throws(
    () => parseCount("18446744073709551615", "--target-pid"),
    /--target-pid: .*too large to be exact/,
  );
  assert.throws(() => parseCount("9007199254740993"), /too large/);
  assert.equal(parseCount("9007199254740991"), 2 ** 53 - 1);
  assert.throws(() => parseSizeBytes("16EiB"), /too large/);
  const ctx = (target: Record<string, unknown>) => ({
    kdamonds: [{ contexts: [{ ops: "vaddr", targets: [target] }] }],
  });
  for (const pid of [2 ** 64, "18446744073709551615", 2 ** 53])
    assert.throws(
      () => parseKdamonds(ctx({ pid, regions: [] }), "k.json"),
      (e: unknown) =>
        e instanceof ConfigError &&
        /k\.json: kdamonds\[0\]\.contexts\[0\]\.targets\[0\]\.pid: .*too large to be exact/.test(e.message),
    );
  assert.throws(
    () => parseKdamonds(ctx({ pid: 1, regions: [{ start: "4096", end: "9007199254740993" }] }), "k.json"),
    /targets\[0\]\.regions\[0\]\.end: .*too large to be exact/,
  );
  assert.throws(
    () => parseKdamonds(ctx({ pid: 1, regions: [{ start: 4096.5, end: 8192 }] }), "k.json"),
    /regions\[0\]\.start: .*not a whole number of bytes/,
  );
  // Exact values below 2^53 are kept exactly.
  const ok = parseKdamonds(ctx({ pid: 2 ** 53 - 1, regions: [{ start: "4096", end: String(2 ** 53 - 1) }] }));
  assert.equal(ok.kdamonds[0].contexts[0].targets[0].pid, 2 ** 53 - 1);
  assert.equal(ok.kdamonds[0].contexts[0].targets[0].regions[0].end, 2 ** 53 - 1);
});

// Fails before readTime required whole kernel units: age min 0.5 (µs) was written
// as "500 ns" and read back as 1 µs (found by the fuzz suite's round-trip check).
void test("time fields take whole kernel units: a fraction is refused, not rounded", () => {
  const ap = (min: unknown) => ({ action: "stat", access_pattern: { age: { min } } });
  assert.throws(
    () => parseSchemes([ap(0.5)], iv, "f.json"),
    /\[0\]\.access_pattern\.age\.min: '0\.5' is not a whole number of µs/,
  );
  assert.throws(() => parseSchemes([ap("1500 ns")], iv, "f.json"), /'1500 ns' is not a whole number of µs/);
  assert.throws(
    () => parseSchemes([{ action: "stat", quotas: { time_ms: "1.5 ms" } }], iv, "f.json"),
    /quotas\.time_ms: '1\.5 ms' is not a whole number of ms/,
  );
  assert.throws(() => parseCompactScheme("stat quota=1500us", iv), /not a whole number of ms/);
  assert.equal(parseSchemes([ap("2 ms")], iv)[0].accessPattern.ageUs?.min, 2000);
});

// Fails before readRatio required whole kernel units: sz_permil 5e-324 was written
// as "0 %" and read back as 0 (found by the fuzz campaign's round-trip check).
void test("permil and bp fields take whole kernel units", () => {
  const w = (v: unknown) => [{ action: "stat", quotas: { weights: { sz_permil: v } } }];
  assert.throws(
    () => parseSchemes(w(5e-324), iv, "f.json"),
    /weights\.sz_permil: '5e-324' is not a whole number of permil/,
  );
  assert.throws(() => parseSchemes(w("0.35 %"), iv, "f.json"), /'0\.35 %' is not a whole number of permil/);
  assert.equal(parseSchemes(w("0.3 %"), iv)[0].quotas.weights.szPermil, 3);
});

// Fails before nonNegative normalised -0: access_bp -0 read back as 0 after a
// write/read round trip (found by the fuzz campaign).
void test("-0 in a numeric field reads as 0", () => {
  const [s] = parseSchemes([{ action: "stat", quotas: { time_ms: -0, weights: { sz_permil: -0 } } }], iv);
  assert.ok(Object.is(s.quotas.timeMs, 0));
  assert.ok(Object.is(s.quotas.weights.szPermil, 0));
});

// Fails before readRatio refused `max`: a weight of max was written as "Infinity %",
// which no reader accepts (found by the fuzz campaign's round-trip check).
void test("permil and bp fields refuse max (a ratio is not a bound)", () => {
  assert.throws(
    () => parseSchemes([{ action: "stat", quotas: { weights: { sz_permil: "max" } } }], iv, "f.json"),
    /weights\.sz_permil: 'max' is not a ratio/,
  );
});

// Fails before rawOrMax: refresh_ms and a dest weight of max were written as JSON
// Infinity, i.e. null, which no reader accepts (found by the fuzz campaign).
void test("refresh_ms and dest weights of max survive a write/read round trip", () => {
  const c = parseKdamonds({
    kdamonds: [
      {
        refresh_ms: "max",
        contexts: [
          {
            ops: "paddr",
            targets: [{ pid: null, regions: [] }],
            schemes: [{ action: "migrate_hot", target_nid: 1, dests: [{ id: 1, weight: "max" }] }],
          },
        ],
      },
    ],
  });
  for (const fmt of ["json", "yaml"] as const) assert.deepEqual(parseKdamondsText(formatKdamonds(c, fmt)), c);
});

// Fails before the address field refused max: a region end of max was written as
// "Infinity", which no reader accepts (found by the fuzz campaign).
void test("region and address-filter bounds refuse max", () => {
  assert.throws(
    () =>
      parseKdamonds({
        kdamonds: [
          { contexts: [{ ops: "vaddr", targets: [{ pid: 1, regions: [{ start: 0, end: "max" }] }] }] },
        ],
      }),
    /regions\[0\]\.end: 'max' is not an address/,
  );
  assert.throws(() => parseCompactScheme("stat filter=reject:addr=4096-max", iv), /'max' is not an address/);
});
