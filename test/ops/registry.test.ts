import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultAttrs } from "../../src/core/attrs.js";
import { OPS } from "../../src/core/ops.js";
import { setupDamos } from "../../src/eval/damos-setup.js";
import { runExperiment } from "../../src/eval/experiment.js";
import { Machine } from "../../src/mm/machine.js";
import { findOps, opsDescriptor, opsNames, registerOps } from "../../src/ops/registry.js";
import { vaddrDescriptor } from "../../src/ops/vaddr.js";
import { ConfigError } from "../../src/util/errors.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import { tempDir } from "../helpers/temp.js";

const MiB = 2 ** 20;

test("every kernel operation set has a descriptor; report-based ones have no Accessed-bit check", () => {
  for (const k of OPS) assert.ok(findOps(k), k);
  for (const name of opsNames()) {
    const d = opsDescriptor(name);
    assert.equal(d.name, name);
    const ops = d.primitives(new Machine({ nodes: [{ sizeBytes: 64 * MiB }] }), {});
    assert.equal(d.reportBased, ops.checkAccesses === undefined, name);
  }
  assert.throws(() => opsDescriptor("vadr"), /unknown operation set 'vadr' \(known: vaddr, /);
  assert.throws(() => registerOps(vaddrDescriptor), /'vaddr' is already registered/);
});

test("fvaddr honours its fixed ranges for the whole run; without ranges it is refused", () => {
  const w = builtinWorkload("stairs", { scale: 0.05, timeScale: 0.05 });
  const probe = runExperiment({ workload: w, ops: "vaddr", baseline: false, durationNs: 1e8 });
  const { start, end } = probe.workloadRegions[0];
  const from = Math.ceil(start / 4096) * 4096;
  const ranges = [{ start: from, end: from + Math.floor((end - from) / 2 / 4096) * 4096 }];
  const r = runExperiment({ workload: w, ops: "fvaddr", baseline: false, targetRegions: ranges });
  assert.ok(r.snapshots.length > 3);
  for (const s of r.snapshots) {
    const rs = s.targets[0].regions;
    assert.equal(rs[0].start, ranges[0].start);
    assert.equal(rs[rs.length - 1].end, ranges[0].end);
  }
  assert.throws(() => runExperiment({ workload: w, ops: "fvaddr", baseline: false }), /fixed ranges/);
});

test("a kdamonds file's fvaddr context runs as fvaddr over its ranges, or is refused naming the field", () => {
  const dir = tempDir("ops-registry-");
  const file = (regions: { start: number; end: number }[]) => {
    const f = join(dir, `k${regions.length}.json`);
    const ctx = { ops: "fvaddr", targets: [{ pid: 1, regions }], schemes: [{ action: "stat" }] };
    writeFileSync(f, JSON.stringify({ kdamonds: [{ contexts: [ctx] }] }));
    return f;
  };
  const base = { attrs: defaultAttrs(), memoryBytes: 2 ** 30, footprintBytes: 2 ** 28, tlb: true };
  const d = setupDamos({ ...base, kdamondsFile: file([{ start: 4096, end: 8 * 4096 }]) })!;
  assert.equal(d.ops, "fvaddr");
  assert.deepEqual(d.targetRegions, [{ start: 4096, end: 8 * 4096 }]);
  assert.throws(
    () => setupDamos({ ...base, kdamondsFile: file([]) }),
    (e: unknown) => e instanceof ConfigError && /contexts\[0\]\.targets\[0\]\.regions/.test(e.message),
  );
});
