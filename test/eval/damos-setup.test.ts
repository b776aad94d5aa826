import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultAttrs } from "../../src/core/attrs.js";
import { setupDamos, type DamosSetupInput } from "../../src/eval/damos-setup.js";
import { InputError } from "../../src/util/errors.js";
import { tempDir } from "../helpers/temp.js";

const base: DamosSetupInput = {
  attrs: defaultAttrs(),
  memoryBytes: 2 ** 30,
  footprintBytes: 2 ** 28,
  tlb: true,
};

test("no DAMOS option: nothing set up; more than one: a usage error", () => {
  assert.equal(setupDamos(base), null);
  assert.throws(
    () => setupDamos({ ...base, preset: "reclaim", schemes: ["stat"] }),
    /one of --kdamonds, --scheme or --preset/,
  );
  assert.throws(() => setupDamos({ ...base, preset: "compact" }), /allowed: reclaim, lru-sort, tiering/);
});

test("--scheme: compact schemes on the chosen ops, one node", () => {
  const d = setupDamos({ ...base, schemes: ["pageout age=5s..", "stat"], ops: "vaddr" })!;
  assert.equal(d.ops, "vaddr");
  assert.deepEqual(
    d.configs.map((c) => c.action),
    ["pageout", "stat"],
  );
  assert.equal(d.machine.nodes!.length, 1);
  assert.throws(() => setupDamos({ ...base, schemes: ["stat", "pageot"] }), /--scheme\[1\]: action/);
});

test("--preset tiering: two tiers, CPUs on the fast one, one kdamond per node, all-fast baseline", () => {
  const d = setupDamos({ ...base, preset: "tiering" })!;
  assert.equal(d.ops, "paddr");
  assert.deepEqual(
    d.machine.nodes!.map((n) => [n.sizeBytes, n.accessNs]),
    [
      [2 ** 27, 10],
      [2 ** 30, 25],
    ],
  );
  assert.deepEqual(d.machine.cpus, [0, 0, 0, 0]);
  assert.equal(d.baselineMachine!.nodes!.length, 1);
  assert.equal(d.baselineMachine!.nodes![0].sizeBytes, 2 ** 27 + 2 ** 30);
  assert.deepEqual(
    d.configs.map((c) => c.action),
    ["migrate_hot"],
  );
  assert.deepEqual(
    d.extraContexts.map((x) => x.configs.map((c) => c.action)),
    [["migrate_cold"]],
  );
  assert.ok(d.targetRegions![0].start >= d.extraContexts[0].regions[0].end, "slow node above the fast one");
  assert.equal(d.fastNodeFrames, 2 ** 27 / 4096);
});

test("--kdamonds: the file's one context gives ops, intervals and schemes; errors name the field", () => {
  const dir = tempDir("damos-setup-");
  const file = join(dir, "k.json");
  writeFileSync(
    file,
    JSON.stringify({
      kdamonds: [
        {
          contexts: [
            {
              ops: "paddr",
              targets: [{ pid: null, regions: [] }],
              intervals: { sample_us: "10 ms", aggr_us: "200 ms", ops_update_us: "1 s" },
              schemes: [{ action: "lru_prio", access_pattern: { nr_accesses: { min: "50 %", max: "max" } } }],
            },
          ],
        },
      ],
    }),
  );
  const d = setupDamos({ ...base, kdamondsFile: file })!;
  assert.equal(d.ops, "paddr");
  assert.equal(d.attrs.sampleUs, 10_000);
  assert.equal(d.attrs.aggrUs, 200_000);
  assert.equal(d.configs[0].action, "lru_prio");
  assert.equal(d.configs[0].accessPattern.nrAccesses.min, 10);
  const bad = join(dir, "bad.json");
  writeFileSync(
    bad,
    JSON.stringify({
      kdamonds: [
        {
          contexts: [
            { ops: "paddr", targets: [{ pid: null, regions: [] }], schemes: [{ action: "pageot" }] },
          ],
        },
      ],
    }),
  );
  assert.throws(
    () => setupDamos({ ...base, kdamondsFile: bad }),
    (e: unknown) =>
      e instanceof InputError && /schemes\[0\]\.action/.test(e.message) && /pageout/.test(e.message),
  );
});
