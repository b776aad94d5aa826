import { test } from "node:test";
import assert from "node:assert/strict";
import { formatKdamonds, kdamondsToDamo, parseKdamondsText } from "../../src/config/kdamonds.js";
import { parseProbeSpec, parseProbeSpecs, probeSpecText } from "../../src/config/probes.js";
import { ConfigError, UsageError } from "../../src/util/errors.js";

/** One context the way damo 3.3's DamonCtx.to_kvpairs writes it, with probes and sample control. */
function damo33(probes: string, sampleControl: string): string {
  return `{"kdamonds": [{"refresh_ms": "0", "contexts": [{
  "ops": "paddr", "addr_unit": "1 B",
  "targets": [{"pid": null, "obsolete": false, "regions": []}],
  "intervals": {"sample_us": "5 ms", "aggr_us": "100 ms", "ops_update_us": "1 s",
    "intervals_goal": {"access_bp": "0 %", "aggrs": "0", "min_sample_us": "0 ns", "max_sample_us": "0 ns"}},
  "nr_regions": {"min": "10", "max": "1,000"},
  "probes": ${probes},
  "sample_control": ${sampleControl},
  "pause": false,
  "schemes": []}]}]}`;
}

const PROBES = `[
  {"filters": [{"filter_type": "anon", "matching": true, "allow": true, "path": null}]},
  {"filters": [{"filter_type": "memcg", "matching": true, "allow": true, "path": "/a"}]}]`;
const SAMPLE = `{"primitives_enabled": {"page_table": false, "page_fault": true},
  "sample_filters": [
    {"filter_type": "cpumask", "matching": true, "allow": true, "cpumask": "0-1", "tid_arr": null},
    {"filter_type": "threads", "matching": true, "allow": true, "cpumask": null, "tid_arr": "1234,1235"}]}`;

test("damo 3.3 kdamonds with probes, primitives and sample filters round-trip (JSON and YAML)", () => {
  const text = damo33(PROBES, SAMPLE);
  const parsed = parseKdamondsText(text);
  const c = parsed.kdamonds[0].contexts[0];
  assert.deepEqual(c.probes, [
    { filters: [{ type: "anon", matching: true, allow: true }], weight: 0, preps: [] },
    { filters: [{ type: "memcg", matching: true, allow: true, memcgPath: "/a" }], weight: 0, preps: [] },
  ]);
  assert.deepEqual(c.sampleControl.primitivesEnabled, { pageTable: false, pageFault: true });
  assert.deepEqual(c.sampleControl.sampleFilters[1].tidArr, [1234, 1235]);
  const expected = JSON.parse(text) as { kdamonds: { refresh_ms: unknown }[] };
  expected.kdamonds[0].refresh_ms = 0; // damon-ts writes the number, as damo's raw form
  assert.deepEqual(kdamondsToDamo(parsed), expected);
  for (const fmt of ["json", "yaml"] as const)
    assert.deepEqual(parseKdamondsText(formatKdamonds(parsed, fmt)), parsed);
});

test("probe weights, preps and hugepage_size ranges survive a round trip; weightless files stay damo's", () => {
  const text = damo33(
    `[{"filters": [{"filter_type": "hugepage_size", "matching": true, "allow": true, "path": null,
        "min": "2 MiB", "max": "2 MiB"}], "weight": "3", "preps": ["mkold"]}]`,
    `{"primitives_enabled": {"page_table": true, "page_fault": false}, "sample_filters": []}`,
  );
  const parsed = parseKdamondsText(text);
  const p = parsed.kdamonds[0].contexts[0].probes[0];
  assert.deepEqual(p, {
    filters: [{ type: "hugepage_size", matching: true, allow: true, minSz: 2 << 20, maxSz: 2 << 20 }],
    weight: 3,
    preps: ["mkold"],
  });
  assert.deepEqual(parseKdamondsText(formatKdamonds(parsed, "json")), parsed);
  const weightless = kdamondsToDamo(parseKdamondsText(damo33(PROBES, SAMPLE)));
  assert.ok(!JSON.stringify(weightless).includes('"weight"'));
});

test("kdamonds probes are validated as damon_valid_probe_params, naming the field", () => {
  const five = `[${new Array(5).fill(`{"filters": []}`).join(",")}]`;
  assert.throws(
    () => parseKdamondsText(damo33(five, `{"sample_filters": []}`), "k.json"),
    (e: unknown) => e instanceof ConfigError && /contexts\[0\]\.probes: 5 probes: at most 4/.test(e.message),
  );
  // 5 ms / 2 s = 400 samples: too many for u8 hits once a probe has a weight.
  const weighted = damo33(`[{"filters": [], "weight": "1"}]`, `{"sample_filters": []}`).replace(
    '"aggr_us": "100 ms"',
    '"aggr_us": "2 s"',
  );
  assert.throws(() => parseKdamondsText(weighted), /at most 255 samples per aggregation/);
  assert.throws(
    () => parseKdamondsText(damo33(`[{"filters": [{"filter_type": "file"}]}]`, "{}")),
    /probes.*filter_type/,
  );
});

test("compact --probe form: filters, negation, reject, memcg, hugepage_size, weight and prep", () => {
  assert.deepEqual(parseProbeSpec("anon"), {
    filters: [{ type: "anon", matching: true, allow: true }],
    preps: [],
    weight: 0,
  });
  assert.deepEqual(parseProbeSpec("memcg=/a").filters, [
    { type: "memcg", matching: true, allow: true, memcgPath: "/a" },
  ]);
  assert.deepEqual(parseProbeSpec("!anon,weight=2,prep=mkold"), {
    filters: [{ type: "anon", matching: false, allow: true }],
    preps: ["mkold"],
    weight: 2,
  });
  const p = parseProbeSpec("reject !anon, memcg=/a/b, hugepage_size=2MiB-1GiB");
  assert.deepEqual(p.filters[0], { type: "anon", matching: false, allow: false });
  assert.deepEqual(p.filters[2], {
    type: "hugepage_size",
    matching: true,
    allow: true,
    minSz: 2 << 20,
    maxSz: 1 << 30,
  });
  for (const spec of [
    "anon",
    "reject !anon,memcg=/a,weight=5",
    "young,prep=mkold",
    "hugepage_size=4096-2097152",
  ])
    assert.equal(probeSpecText(parseProbeSpec(spec)), spec);
});

test("compact --probe errors are one line naming the option and the bad item", () => {
  const bad: [string, RegExp][] = [
    ["", /empty probe/],
    ["anon,,young", /empty item/],
    ["file", /unknown probe filter 'file'.*known: anon/],
    ["memcg", /memcg needs a cgroup path/],
    ["memcg=a", /memcg needs a cgroup path/],
    ["anon=1", /'anon' takes no argument/],
    ["hugepage_size=2MiB", /MIN-MAX/],
    ["hugepage_size=2MiB-4KiB", /max is below min/],
    ["hugepage_size=2XB-4MiB", /in 'hugepage_size=2XB-4MiB'/],
    ["weight=-1", /weight must be an integer/],
    ["prep=flush", /unknown prep 'flush'/],
  ];
  for (const [spec, re] of bad)
    assert.throws(
      () => parseProbeSpec(spec),
      (e: unknown) => e instanceof UsageError && re.test(e.message) && e.message.startsWith("--probe: "),
      spec,
    );
  assert.throws(() => parseProbeSpecs(["anon", "anon", "anon", "anon", "anon"]), /at most 4/);
});
