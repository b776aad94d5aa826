import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { Machine, Simulation } from "../../src/mm/index.js";
import { InputError, UsageError } from "../../src/util/errors.js";
import {
  BUILTIN_WORKLOADS,
  builtinWorkload,
  instantiateWorkload,
  resolveWorkload,
  MASIM_ACCESSES_PER_PICK,
  setupSimulation,
  type WorkloadSpec,
} from "../../src/workload/index.js";

const SHIPPED = join(import.meta.dirname, "../../workloads/masim");

test("every built-in has a one-line description and runs at a tiny scale", () => {
  const names = BUILTIN_WORKLOADS.map((w) => w.name);
  for (const n of [
    "stairs",
    "zigzag",
    "zipf-kv",
    "gups",
    "phase-swap",
    "tiny-hot",
    "stairs-mt",
    "zipf-kv-mt",
  ]) {
    assert.ok(names.includes(n), n);
  }
  for (const b of BUILTIN_WORKLOADS) {
    assert.ok(b.description.length > 10 && !b.description.includes("\n"), b.name);
    const spec = builtinWorkload(b.name, { timeScale: 0.0005, sizeScale: 1 / 64 });
    const m = new Machine({ tlb: false });
    const w = instantiateWorkload(m, spec, { seed: 1 });
    const r = new Simulation(m).run({ untilNs: 60e9 });
    assert.equal(r.reason, "threads-finished", b.name);
    assert.ok(m.totalAccesses() > 0, b.name);
    for (const th of w.threads)
      assert.equal(th.invalidAccesses, 0, `${b.name}: accesses stay inside the regions`);
  }
});

test("multi-threaded variants put threads on different CPUs touching different regions", () => {
  const spec = builtinWorkload("stairs-mt", { threads: 3, timeScale: 0.001, sizeScale: 0.05 });
  assert.deepEqual(
    spec.threads.map((t) => t.cpu),
    [0, 1, 2],
  );
  const regionsOf = spec.threads.map(
    (t) => new Set(t.phases.flatMap((p) => p.patterns.map((x) => x.region))),
  );
  for (let i = 0; i < regionsOf.length; i++) {
    for (let j = i + 1; j < regionsOf.length; j++) {
      for (const r of regionsOf[i]) assert.ok(!regionsOf[j].has(r));
    }
  }
  const m = new Machine({ tlb: false, cpus: 3 });
  const w = instantiateWorkload(m, spec);
  new Simulation(m).run();
  for (const th of w.threads) assert.ok(th.accesses > 0);
  // Each extra thread has its 8 MiB stack in the mmap area.
  assert.equal(m.vmas(w.pid).filter((v) => v.name === "[thread stack]").length, 2);
});

test("scale shrinks sizes and durations", () => {
  const full = builtinWorkload("stairs");
  const small = builtinWorkload("stairs", { scale: 0.1 });
  assert.equal(small.regions[0].sizeBytes, 1_000_000);
  assert.equal(small.threads[0].phases[0].durationNs, full.threads[0].phases[0].durationNs / 10);
  const t = builtinWorkload("stairs", { timeScale: 0.5 });
  assert.equal(t.regions[0].sizeBytes, full.regions[0].sizeBytes);
});

// Issue 18: --scale shrank regions but not the pick length (accesses per weighted
// pick), so at 1/64 size one zipf-kv value pick touched most of the values and first
// touch no longer laid memory out as at full size. Fails before scaleWorkload scaled
// accessesPerPick with the size.
test("scale shrinks the pick length with the sizes, so a pick covers the same share of a region", () => {
  const full = builtinWorkload("zipf-kv");
  const perPick = full.accessesPerPick ?? MASIM_ACCESSES_PER_PICK;
  for (const ss of [1 / 64, 1 / 8, 0.25]) {
    const small = builtinWorkload("zipf-kv", { sizeScale: ss, timeScale: 1 });
    assert.equal(small.accessesPerPick, Math.round(perPick * ss));
    const share = (w: WorkloadSpec): number =>
      (w.accessesPerPick ?? MASIM_ACCESSES_PER_PICK) / w.regions[1].sizeBytes;
    assert.ok(Math.abs(share(small) / share(full) - 1) < 1e-3, `size scale ${ss}`);
  }
  // Time scaling alone keeps the pick length; a tiny size keeps at least one access.
  assert.equal(builtinWorkload("zipf-kv", { timeScale: 0.1 }).accessesPerPick, full.accessesPerPick);
  assert.equal(builtinWorkload("zipf-kv", { sizeScale: 1e-9 }).accessesPerPick, 1);
});

test("tiny-hot's mapping size is a parameter; the hot set stays 4 MiB in its middle", () => {
  const spec = builtinWorkload("tiny-hot", { spaceBytes: 2 ** 30 });
  assert.equal(spec.regions[0].sizeBytes, 2 ** 30);
  const hot = spec.threads[0].phases[0].patterns[0];
  assert.equal(hot.offsetBytes, 2 ** 29);
  assert.equal(hot.lengthBytes, 4 * 2 ** 20);
  assert.match(spec.description, /1 GiB mapping/);
  assert.equal(builtinWorkload("tiny-hot").regions[0].sizeBytes, 64 * 2 ** 30);
});

test("names and paths: unknown names are usage errors listing the built-ins", () => {
  assert.throws(
    () => builtinWorkload("nope"),
    (e: unknown) => e instanceof UsageError && /unknown workload 'nope'.*stairs/.test(e.message),
  );
  assert.throws(
    () => resolveWorkload("nope"),
    (e: unknown) => e instanceof UsageError,
  );
  assert.throws(
    () => resolveWorkload("./missing.cfg"),
    (e: unknown) => e instanceof InputError,
  );
  const z = resolveWorkload(join(SHIPPED, "zigzag_30secs.cfg"), { timeScale: 0.1 });
  assert.equal(z.regions.length, 2);
  assert.equal(z.threads[0].phases[0].durationNs, 500e6);
});

test("the stairs built-in matches stairs_30secs.cfg", () => {
  const a = builtinWorkload("stairs");
  const b = resolveWorkload(join(SHIPPED, "stairs_30secs.cfg"));
  assert.deepEqual(a.regions, b.regions);
  assert.deepEqual(
    a.threads[0].phases.map((p) => [p.durationNs, p.patterns]),
    b.threads[0].phases.map((p) => [p.durationNs, p.patterns]),
  );
});

test("setupSimulation wires machine, workload, truth and driver", () => {
  const spec = builtinWorkload("zipf-kv-mt", { threads: 6, timeScale: 0.0005, sizeScale: 1 / 64 });
  const s = setupSimulation(spec, { seed: 5, truth: { sampleNs: 1e6, aggrNs: 5e6 } });
  assert.equal(s.machine.cpus.length, 6, "enough CPUs for the threads");
  s.sim.run();
  const truth = s.truth!;
  assert.ok(truth.summaries.length >= 2);
  assert.equal(truth.phaseChanges.length, 6, "one phase per thread");
  const seen = truth.summaries.reduce((x, w) => x + w.totalAccesses, 0);
  assert.ok(seen > 0 && seen <= s.machine.totalAccesses());
  const none = setupSimulation(spec, { truth: null });
  assert.equal(none.truth, null);
  assert.equal(none.machine.truth, null);
});

test("mmap-churn maps and unmaps its buffer mid-run: the layout seen by an agent changes", () => {
  const spec = builtinWorkload("mmap-churn", { timeScale: 0.005, sizeScale: 1 / 16 });
  const s = setupSimulation(spec, { truth: null });
  const counts: number[] = [];
  let next = 1e6;
  s.sim.addAgent({
    nextWakeNs: () => next,
    wake: (now) => {
      counts.push(s.machine.vmas(s.workload.pid).length);
      next = now + 1e6;
    },
  });
  const before = s.machine.vmas(s.workload.pid).length;
  s.sim.run();
  assert.ok(
    counts.includes(before + 1) && counts.includes(before),
    `vma counts seen: ${[...new Set(counts)].join(",")}`,
  );
  assert.equal(s.workload.threads[0].invalidAccesses, 0, "never touches the buffer while unmapped");
  // Unmapping returns the buffer's frames: resident memory never exceeds table + one buffer.
  const bytes = s.machine.frames.allocatedFrames * 4096;
  assert.ok(bytes <= ((32 + 64) * 2 ** 20) / 16 + 16384, String(bytes));
});
