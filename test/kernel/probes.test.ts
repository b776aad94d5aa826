import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseKdamonds, type KdamondsConfig } from "../../src/config/kdamonds.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import { KernelWriteError, SysfsMissingError } from "../../src/kernel/errors.js";
import { withMonitorScheme } from "../../src/kernel/write-plan.js";
import { guestInitScript } from "../../src/vm/guest-script.js";
import { ConfigError } from "../../src/util/errors.js";
import { FakeSysfs, type FakeKernel } from "./fake-sysfs.js";
import { tempDir } from "../helpers/temp.js";

function setup(kernel: FakeKernel) {
  const fake = new FakeSysfs(kernel);
  const ownershipFile = join(tempDir("damon-own-"), "own.json");
  const backend = new KernelBackend({ root: fake.root, io: fake, ownershipFile });
  return { fake, backend };
}

function config(ctx: Record<string, unknown>): KdamondsConfig {
  return parseKdamonds({
    kdamonds: [
      {
        contexts: [
          {
            ops: "paddr",
            targets: [{ pid: null, regions: [{ start: "1 GiB", end: "2 GiB" }] }],
            intervals: { sample_us: "5 ms", aggr_us: "100 ms", ops_update_us: "1 s" },
            ...ctx,
          },
        ],
      },
    ],
  });
}

const PROBES = [
  { filters: [{ filter_type: "anon", matching: true, allow: true, path: null }] },
  { filters: [{ filter_type: "memcg", matching: true, allow: true, path: "/a" }], weight: 2 },
];
const SAMPLE = {
  primitives_enabled: { page_table: false, page_fault: true },
  sample_filters: [
    { filter_type: "cpumask", matching: true, allow: true, cpumask: "0-1", tid_arr: null },
    { filter_type: "threads", matching: true, allow: true, cpumask: null, tid_arr: "1234,1235" },
  ],
};
const CTX = "kdamonds/0/contexts/0/monitoring_attrs";

test("newest kernel tree: probes, weights, primitives and sample filters are written as damo 3.3 lays them out", () => {
  const { fake, backend } = setup("newest");
  backend.start(config({ probes: PROBES, sample_control: SAMPLE }));
  const log = fake.log.filter((l) => l.startsWith(`${CTX}/probes`) || l.startsWith(`${CTX}/sample`));
  assert.deepEqual(log, [
    `${CTX}/probes/nr_probes=2`,
    `${CTX}/probes/0/weight=0`,
    `${CTX}/probes/0/filters/nr_filters=1`,
    `${CTX}/probes/0/filters/0/type=anon`,
    `${CTX}/probes/0/filters/0/matching=Y`,
    `${CTX}/probes/0/filters/0/allow=Y`,
    `${CTX}/probes/1/weight=2`,
    `${CTX}/probes/1/filters/nr_filters=1`,
    `${CTX}/probes/1/filters/0/type=memcg`,
    `${CTX}/probes/1/filters/0/matching=Y`,
    `${CTX}/probes/1/filters/0/allow=Y`,
    `${CTX}/probes/1/filters/0/path=/a`,
    `${CTX}/sample/primitives/page_table=N`,
    `${CTX}/sample/primitives/page_fault=Y`,
    `${CTX}/sample/filters/nr_filters=2`,
    `${CTX}/sample/filters/0/type=cpumask`,
    `${CTX}/sample/filters/0/matching=Y`,
    `${CTX}/sample/filters/0/allow=Y`,
    `${CTX}/sample/filters/0/cpumask=0-1`,
    `${CTX}/sample/filters/1/type=threads`,
    `${CTX}/sample/filters/1/matching=Y`,
    `${CTX}/sample/filters/1/allow=Y`,
    `${CTX}/sample/filters/1/tid_arr=1234,1235`,
  ]);
  assert.equal(fake.read(join(fake.root, "kdamonds/0/state")), "on");
});

test("probe hits of tried regions are read back (probes/<k>/hits)", () => {
  const { backend } = setup("newest");
  const { config: withMon, schemeIdx } = withMonitorScheme(config({ probes: PROBES }));
  backend.start(withMon);
  backend.command("update_schemes_tried_regions");
  const regions = backend.readTriedRegions(0, 0, schemeIdx[0][0]);
  assert.ok(regions.length > 0);
  regions.forEach((r, i) => assert.deepEqual(r.probeHits, [i * 3, i * 3 + 1]));
});

test("7.2 kernel: probes without weights are written; a weight is refused naming 7.3, before its filters", () => {
  const ok = setup("7.2");
  ok.backend.start(config({ probes: [PROBES[0]] }));
  assert.ok(ok.fake.log.includes(`${CTX}/probes/0/filters/0/type=anon`));
  assert.ok(!ok.fake.log.some((l) => l.includes("/weight") || l.includes("/sample/")));

  const { fake, backend } = setup("7.2");
  assert.throws(
    () => backend.start(config({ probes: [PROBES[1]] })),
    (e: unknown) => e instanceof SysfsMissingError && /needs Linux 7\.3\+ probe weights/.test(e.message),
  );
  assert.ok(!fake.log.some((l) => l.includes("/probes/0/")), "no probe file written");
  assert.equal(fake.read(join(fake.root, "kdamonds/0/state")), "off");
});

test("6.12 kernel (the qemu guest's): probes and sample control are refused by reading, nothing of them written", () => {
  for (const [ctx, re] of [
    [{ probes: [PROBES[0]] }, /needs Linux 7\.2\+ data-attribute probes/],
    [{ sample_control: SAMPLE }, /needs sample primitives and sample filters .*RFC v3/],
  ] as const) {
    const { fake, backend } = setup("6.12");
    assert.throws(
      () => backend.start(config(ctx)),
      (e: unknown) => e instanceof SysfsMissingError && re.test(e.message),
    );
    assert.ok(!fake.log.some((l) => l.includes("/probes") || l.includes("/sample/")));
  }
  // The defaults need none of it.
  const { fake, backend } = setup("6.12");
  backend.start(config({}));
  assert.equal(fake.read(join(fake.root, "kdamonds/0/state")), "on");
});

test("probe preps are simulator-only: a kernel run refuses them before writing", () => {
  const { fake, backend } = setup("newest");
  assert.throws(
    () => backend.start(config({ probes: [{ filters: [], preps: ["mkold"] }] })),
    (e: unknown) => e instanceof ConfigError && /preps are simulator-only/.test(e.message),
  );
  assert.equal(fake.log.length, 0);
});

test("qemu guest (6.12) script: probe files are looked for before writing, the refusal names Linux 7.2", () => {
  const script = guestInitScript({ config: config({ probes: [PROBES[0]] }), durationMs: 1000 });
  const line = script.split("\n").find((l) => l.includes("/probes/nr_probes"));
  assert.ok(line);
  assert.match(
    line,
    /^\[ -e \S+\/monitoring_attrs\/probes\/nr_probes \] \|\| fail '.*needs Linux 7\.2\+ data-attribute probes/,
  );
  assert.ok(line.indexOf("[ -e") < line.indexOf("echo 1 >"), "existence is read before the write");
});

const WSUM_SCHEME = {
  action: "pageout",
  filters: [
    { filter_type: "probe_hits_wsum", matching: true, allow: true, probe_hits_wsum: { min: 0, max: 20 } },
  ],
};

test("newest kernel tree: a probe_hits_wsum DAMOS filter is written with its range in min/max", () => {
  const { fake, backend } = setup("newest");
  backend.start(config({ probes: PROBES, schemes: [WSUM_SCHEME] }));
  const dir = "kdamonds/0/contexts/0/schemes/0/filters/0";
  assert.deepEqual(
    fake.log.filter((l) => l.startsWith(dir)),
    [`${dir}/type=probe_hits_wsum`, `${dir}/matching=Y`, `${dir}/allow=Y`, `${dir}/min=0`, `${dir}/max=20`],
  );
  assert.equal(fake.read(join(fake.root, "kdamonds/0/state")), "on");
});

test("7.2 kernel: the probe_hits_wsum keyword is rejected and the error names the newer kernel", () => {
  const { backend } = setup("7.2");
  assert.throws(
    () => backend.start(config({ probes: [PROBES[0]], schemes: [WSUM_SCHEME] })),
    (e: unknown) =>
      e instanceof KernelWriteError &&
      /does not know the probe_hits_wsum DAMOS filter .*after Linux 7\.3/.test(e.message),
  );
});

test("qemu guest script: a probe_hits_wsum filter's type write names the filter's kernel when it fails", () => {
  const script = guestInitScript({
    config: config({ probes: [PROBES[0]], schemes: [WSUM_SCHEME] }),
    durationMs: 1000,
  });
  const line = script.split("\n").find((l) => l.includes("echo probe_hits_wsum >"));
  assert.ok(line);
  assert.match(
    line,
    /\|\| fail '.*needs the probe_hits_wsum DAMOS filter \(newest mm tree, after Linux 7\.3\)'/,
  );
});
