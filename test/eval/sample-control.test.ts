import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultAttrs } from "../../src/core/attrs.js";
import { setupDamos } from "../../src/eval/damos-setup.js";
import { opsForPrimitives, parseCpuList, sampleFiltersOf } from "../../src/eval/sample-control.js";
import { ConfigError } from "../../src/util/errors.js";
import { tempDir } from "../helpers/temp.js";

const sc = (pageTable: boolean, pageFault: boolean) => ({
  primitivesEnabled: { pageTable, pageFault },
  sampleFilters: [],
});

test("primitives pick the access check: page_table → Accessed bits, page_fault → fault reports", () => {
  assert.equal(opsForPrimitives("vaddr", sc(true, false), "x"), "vaddr");
  assert.equal(opsForPrimitives("paddr", sc(false, true), "x"), "paddr-fault");
  assert.throws(() => opsForPrimitives("vaddr", sc(true, true), "x"), /both enabled/);
  assert.throws(() => opsForPrimitives("vaddr", sc(false, false), "x"), /no sampling primitive/);
});

test("sample filters: cpulists, thread ids and write map to the core's filters", () => {
  assert.deepEqual(parseCpuList("0-2,5", "w"), [0, 1, 2, 5]);
  assert.throws(
    () => parseCpuList("3-1", "w"),
    (e: unknown) => e instanceof ConfigError && /backwards/.test(e.message),
  );
  assert.throws(() => parseCpuList("a", "f.cpumask"), /f\.cpumask: 'a' is not a CPU list/);
  const filters = sampleFiltersOf(
    {
      primitivesEnabled: { pageTable: false, pageFault: true },
      sampleFilters: [
        { type: "cpumask", matching: true, allow: false, cpumask: "1", tidArr: null },
        { type: "threads", matching: true, allow: true, cpumask: null, tidArr: [7, 8] },
        { type: "write", matching: false, allow: false, cpumask: null, tidArr: null },
      ],
    },
    "w",
  );
  assert.deepEqual(filters, [
    { type: "cpumask", cpus: [1], matching: true, allow: false },
    { type: "threads", tids: [7, 8], matching: true, allow: true },
    { type: "write", matching: false, allow: false },
  ]);
});

test("run --kdamonds: the file's primitive, sample filters and probes reach the simulated run", () => {
  const file = join(tempDir("sample-control-"), "k.json");
  writeFileSync(
    file,
    JSON.stringify({
      kdamonds: [
        {
          contexts: [
            {
              ops: "vaddr",
              targets: [{ pid: 1, regions: [] }],
              probes: [{ filters: [{ filter_type: "anon", matching: true, allow: true, path: null }] }],
              sample_control: {
                primitives_enabled: { page_table: false, page_fault: true },
                sample_filters: [
                  { filter_type: "threads", matching: true, allow: true, cpumask: null, tid_arr: "5" },
                ],
              },
              schemes: [],
            },
          ],
        },
      ],
    }),
  );
  const d = setupDamos({
    kdamondsFile: file,
    attrs: defaultAttrs(),
    memoryBytes: 1 << 30,
    footprintBytes: 1 << 20,
    tlb: true,
  })!;
  assert.equal(d.ops, "vaddr-fault");
  assert.deepEqual(d.sampleFilters, [{ type: "threads", tids: [5], matching: true, allow: true }]);
  assert.deepEqual(d.probes, [
    { filters: [{ type: "anon", matching: true, allow: true }], weight: 0, preps: [] },
  ]);
});
