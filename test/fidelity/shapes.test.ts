import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMasimConfig } from "../../src/workload/masim-config.js";
import {
  fidelityWorkload,
  masimConfigText,
  scaleMasimConfig,
  stairsConfigText,
  zigzagConfigText,
} from "../../src/fidelity/shapes.js";
import { expectedHot } from "../../src/fidelity/run.js";

void test("stairs and zigzag shapes parse as masim configs with one hot region per phase", () => {
  const st = fidelityWorkload("stairs");
  assert.deepEqual(
    st.config.regions.map((r) => r.name),
    ["s0", "s1", "s2", "s3", "s4"],
  );
  assert.equal(st.durationMs, 2000 + 5 * 3000);
  assert.deepEqual(expectedHot(st), [null, "s0", "s1", "s2", "s3", "s4"]);
  const zz = fidelityWorkload("zigzag");
  assert.deepEqual(expectedHot(zz), [null, "a", "b", "a", "b", "a", "b"]);
  const small = parseMasimConfig(
    stairsConfigText({ regions: 3, regionBytes: 4096 * 8, phaseMs: 100, phases: 4 }),
  );
  assert.deepEqual(
    small.phases.map((p) => small.regions[p.patterns[0].region].name),
    ["s0", "s0", "s1", "s2", "s0"],
  );
  assert.equal(parseMasimConfig(zigzagConfigText({ phases: 3 })).phases.length, 4);
});

void test("a config written back as text parses to the same config; scaling keeps pages and ms", () => {
  const cfg = parseMasimConfig(
    "r1, 10000000\nr2, 4096\n\np\n1000\nr1, 1, 64, 3, rw\nr2, 0, 4096, 1\n\nq\n3\nr2, 0, 4096, 1, ro\n",
    "x",
  );
  const again = parseMasimConfig(masimConfigText(cfg), "x");
  const strip = (c: typeof cfg) => ({
    regions: c.regions.map((r) => [r.name, r.sizeBytes]),
    phases: c.phases.map((p) => [
      p.name,
      p.durationMs,
      p.patterns.map((t) => [t.region, t.random, t.strideBytes, t.probability, t.mode]),
    ]),
  });
  assert.deepEqual(strip(again), strip(cfg));
  const sc = scaleMasimConfig(cfg, 0.1, 0.5);
  assert.deepEqual(
    sc.regions.map((r) => r.sizeBytes),
    [999424, 4096],
  );
  assert.deepEqual(
    sc.phases.map((p) => p.durationMs),
    [500, 2],
  );
  assert.throws(() => scaleMasimConfig(cfg, 0, 1), /--size-scale/);
});

void test("a shipped masim config by name, scaled", () => {
  const w = fidelityWorkload("stairs_30secs", { timeScale: 0.5, sizeScale: 0.5 });
  assert.ok(w.name.endsWith("stairs_30secs.cfg"));
  assert.equal(w.durationMs, Math.round(w.config.phases.reduce((s, p) => s + p.durationMs, 0)));
  assert.ok(w.text.startsWith("# from"));
  assert.throws(() => fidelityWorkload("no-such-workload"), /no such workload/);
});
