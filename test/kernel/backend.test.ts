import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseKdamonds, simpleKdamonds, type KdamondsConfig } from "../../src/config/kdamonds.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import { ForeignKdamondsError, KernelWriteError, SysfsMissingError } from "../../src/kernel/errors.js";
import { planStart, withMonitorScheme } from "../../src/kernel/write-plan.js";
import { FakeSysfs, type FakeKernel } from "./fake-sysfs.js";
import { tmpdir } from "node:os";
import { tempDir } from "../helpers/temp.js";

function setup(kernel: FakeKernel = "newest") {
  const fake = new FakeSysfs(kernel);
  const ownershipFile = join(tempDir("damon-own-"), "own.json");
  const backend = (extra: Record<string, unknown> = {}) =>
    new KernelBackend({ root: fake.root, io: fake, ownershipFile, ...extra });
  return { fake, backend, ownershipFile };
}

const CONFIG: KdamondsConfig = parseKdamonds({
  kdamonds: [
    {
      contexts: [
        {
          ops: "paddr",
          targets: [{ pid: null, regions: [{ start: "1 GiB", end: "2 GiB" }] }],
          intervals: { sample_us: "10 ms", aggr_us: "200 ms", ops_update_us: "2 s" },
          nr_regions: { min: 20, max: 500 },
          schemes: [
            {
              action: "pageout",
              access_pattern: {
                sz_bytes: { min: "4K", max: "max" },
                nr_accesses: { min: "0 %", max: "10 %" },
                age: { min: "2 s", max: "max" },
              },
              quotas: {
                time_ms: "10 ms",
                sz_bytes: "128M",
                reset_interval_ms: "1 s",
                goals: [{ metric: "some_mem_psi_us", target_value: "1,000" }],
                weights: { sz_permil: "0 %", nr_accesses_permil: "0.3 %", age_permil: "0.7 %" },
              },
              watermarks: {
                metric: "free_mem_rate",
                interval_us: "5 s",
                high_permil: "50 %",
                mid_permil: "40 %",
                low_permil: "20 %",
              },
              filters: [
                { filter_type: "anon", matching: true, allow: false },
                {
                  filter_type: "addr",
                  matching: true,
                  allow: true,
                  address_range: { start: "1 GiB", end: "1536 MiB" },
                },
              ],
            },
            { action: "migrate_cold", target_nid: 1, dests: [{ id: 1, weight: 2 }] },
          ],
        },
      ],
    },
  ],
});

void test("start writes every field in kernel units and turns the kdamond on", () => {
  const { fake, backend } = setup();
  backend().start(CONFIG);
  const r = (p: string) => fake.read(join(fake.root, p));
  const c = "kdamonds/0/contexts/0";
  assert.equal(r("kdamonds/nr_kdamonds"), "1");
  assert.equal(r("kdamonds/0/state"), "on");
  assert.equal(r(`${c}/operations`), "paddr");
  assert.equal(r(`${c}/monitoring_attrs/intervals/sample_us`), "10000");
  assert.equal(r(`${c}/monitoring_attrs/intervals/aggr_us`), "200000");
  assert.equal(r(`${c}/monitoring_attrs/intervals/update_us`), "2000000");
  assert.equal(r(`${c}/monitoring_attrs/nr_regions/min`), "20");
  assert.equal(r(`${c}/targets/0/regions/0/start`), String(2 ** 30));
  assert.equal(r(`${c}/targets/0/regions/0/end`), String(2 ** 31));
  const s = `${c}/schemes/0`;
  assert.equal(r(`${s}/action`), "pageout");
  assert.equal(r(`${s}/access_pattern/sz/min`), "4096");
  assert.equal(r(`${s}/access_pattern/sz/max`), "18446744073709551615");
  assert.equal(r(`${s}/access_pattern/nr_accesses/max`), "2"); // 10 % of 20 samples
  assert.equal(r(`${s}/access_pattern/age/min`), "10"); // 2 s / 200 ms
  assert.equal(r(`${s}/access_pattern/age/max`), "4294967295");
  assert.equal(r(`${s}/quotas/ms`), "10");
  assert.equal(r(`${s}/quotas/bytes`), String(128 * 2 ** 20));
  assert.equal(r(`${s}/quotas/reset_interval_ms`), "1000");
  assert.equal(r(`${s}/quotas/weights/nr_accesses_permil`), "3");
  assert.equal(r(`${s}/quotas/weights/age_permil`), "7");
  assert.equal(r(`${s}/quotas/goals/nr_goals`), "1");
  assert.equal(r(`${s}/quotas/goals/0/target_metric`), "some_mem_psi_us");
  assert.equal(r(`${s}/quotas/goals/0/target_value`), "1000");
  assert.equal(r(`${s}/watermarks/metric`), "free_mem_rate");
  assert.equal(r(`${s}/watermarks/interval_us`), "5000000");
  assert.equal(r(`${s}/watermarks/high`), "500");
  assert.equal(r(`${s}/watermarks/low`), "200");
  assert.equal(r(`${s}/filters/nr_filters`), "2");
  assert.equal(r(`${s}/filters/0/type`), "anon");
  assert.equal(r(`${s}/filters/0/matching`), "Y");
  assert.equal(r(`${s}/filters/1/allow`), "Y");
  assert.equal(r(`${s}/filters/1/addr_end`), String(1536 * 2 ** 20));
  assert.equal(r(`${c}/schemes/1/action`), "migrate_cold");
  assert.equal(r(`${c}/schemes/1/target_nid`), "1");
  assert.equal(r(`${c}/schemes/1/dests/nr_dests`), "1");
  assert.equal(r(`${c}/schemes/1/dests/0/weight`), "2");
  // counts are written before the children they create
  const i = fake.log.indexOf(`${c}/schemes/nr_schemes=2`);
  assert.ok(i >= 0 && i < fake.log.indexOf(`${s}/action=pageout`));
  assert.equal(fake.log.at(-1), "kdamonds/0/state=on");
});

void test("6.12 kernel: newer files at their default are skipped; a non-default one is an error naming the feature", () => {
  const { fake, backend } = setup("6.12");
  const plain = structuredClone(CONFIG);
  plain.kdamonds[0].contexts[0].schemes[1].dests = [];
  plain.kdamonds[0].contexts[0].schemes[0].filters[1].allow = false;
  backend().start(plain);
  assert.equal(fake.read(join(fake.root, "kdamonds/0/state")), "on");
  assert.ok(
    !fake.log.some((l) => l.includes("refresh_ms") || l.includes("intervals_goal") || l.includes("dests")),
  );

  const { backend: b2 } = setup("6.12");
  assert.throws(
    () => b2().start(CONFIG),
    (e: unknown) =>
      e instanceof SysfsMissingError &&
      /allow does not exist: this setting needs 6\.14\+ allow filters/.test(e.message),
  );
});

void test("refuses to touch kdamonds it did not create, by reading only; --take-over overrides", () => {
  const { fake, backend } = setup();
  // someone else's kdamond
  fake.write(join(fake.root, "kdamonds/nr_kdamonds"), "1");
  fake.write(join(fake.root, "kdamonds/0/contexts/nr_contexts"), "1");
  fake.write(join(fake.root, "kdamonds/0/state"), "on");
  const before = fake.log.length;
  for (const act of [
    () => backend().start(CONFIG),
    () => backend().stop(),
    () => backend().commit(CONFIG),
    () => backend().command("update_schemes_stats"),
  ]) {
    assert.throws(
      act,
      (e: unknown) => e instanceof ForeignKdamondsError && /did not create.*--take-over/.test(e.message),
    );
  }
  // status reads but sends no state command to a foreign kdamond
  const st = backend().status();
  assert.equal(st[0].ours, false);
  assert.equal(st[0].state, "on");
  assert.equal(fake.log.length, before, "no write happened");
  // take over: stop it, then start ours
  backend({ takeOver: true }).stop();
  assert.equal(fake.read(join(fake.root, "kdamonds/nr_kdamonds")), "0");
  backend().start(CONFIG);
  assert.equal(backend().status()[0].ours, true);
});

void test("a kdamond restarted by someone else after we started is foreign again", () => {
  const { fake, backend } = setup();
  backend().start(CONFIG);
  fake.write(join(fake.root, "kdamonds/0/state"), "off");
  fake.write(join(fake.root, "kdamonds/0/state"), "on"); // fake gives the same pid: change it
  fake.write(join(fake.root, "kdamonds/0/state"), "off");
  fake.write(join(fake.root, "kdamonds/nr_kdamonds"), "2");
  assert.throws(() => backend().stop(), ForeignKdamondsError);
});

void test("dry run prints every write and writes nothing", () => {
  const { fake, backend } = setup();
  const lines: string[] = [];
  backend({ dryRun: true, print: (l: string) => lines.push(l) }).start(CONFIG);
  assert.equal(fake.log.length, 0);
  assert.equal(fake.read(join(fake.root, "kdamonds/nr_kdamonds")), "0");
  const plan = planStart(CONFIG);
  assert.equal(lines.length, plan.length);
  assert.equal(lines[0], `echo 1 > ${fake.root}/kdamonds/nr_kdamonds`);
  assert.equal(lines.at(-1), `echo on > ${fake.root}/kdamonds/0/state`);
  // a dry run works without any tree at all
  const lines2: string[] = [];
  new KernelBackend({
    root: join(tmpdir(), "no-such-damon-root"),
    dryRun: true,
    print: (l) => lines2.push(l),
  }).start(CONFIG);
  assert.equal(lines2.length, plan.length);
});

void test("kernel errors name the file, the value and the meaning", () => {
  const { backend } = setup();
  backend().start(CONFIG);
  // starting again while on: the backend refuses before writing
  assert.throws(() => backend().start(CONFIG), /are running: run `damon-ts kernel stop` first/);
  // a commit the kernel rejects (EINVAL on state)
  const bad = structuredClone(CONFIG);
  bad.kdamonds[0].contexts[0].intervals.aggrUs = 1000; // < sample: the kernel says EINVAL
  assert.throws(
    () => backend().commit(bad),
    (e: unknown) =>
      e instanceof KernelWriteError &&
      e.errno === "EINVAL" &&
      e.file.endsWith("kdamonds/0/state") &&
      e.value === "commit" &&
      /rejected the parameters/.test(e.message),
  );
  // writing nr_kdamonds while running: EBUSY explained
  const { fake, backend: b2 } = setup();
  b2().start(CONFIG);
  assert.throws(
    () => b2().apply([{ path: "kdamonds/nr_kdamonds", value: "2" }]),
    (e: unknown) =>
      e instanceof KernelWriteError &&
      /EBUSY: a kdamond is running; nr_kdamonds cannot change/.test(e.message),
  );
  assert.throws(() => b2().apply([{ path: "kdamonds/0/state", value: "frobnicate" }]), /EINVAL/);
  void fake;
});

void test("missing tree: a clear error, not an ENOENT stack", () => {
  const b = new KernelBackend({
    root: join(tmpdir(), "no-such-damon-root"),
    ownershipFile: join(tmpdir(), "x.json"),
  });
  assert.throws(() => b.start(CONFIG), /DAMON sysfs not found at .*CONFIG_DAMON_SYSFS/);
});

void test("state commands: stats and tried regions come back as snapshots", () => {
  const { backend } = setup();
  const { config, schemeIdx } = withMonitorScheme(CONFIG);
  backend().start(config);
  const b = backend();
  b.command("update_schemes_tried_regions");
  const regions = b.readTriedRegions(0, 0, schemeIdx[0][0]);
  assert.equal(regions.length, 2); // the fake splits the one target region in two
  assert.deepEqual(regions[0], { start: 2 ** 30, end: 2 ** 30 + 2 ** 29, nrAccesses: 0, age: 0 });
  assert.equal(regions[1].end, 2 ** 31);
  // the pageout scheme's pattern (nr_accesses <= 2, age >= 10) matches neither fake region
  assert.equal(b.readTriedRegions(0, 0, 0).length, 0);
  b.command("update_schemes_stats");
  const st = b.status();
  assert.equal(st[0].ours, true);
  assert.equal(st[0].contexts[0].ops, "paddr");
  assert.equal(st[0].contexts[0].schemes.length, 3);
  const mon = st[0].contexts[0].schemes[2].stats;
  assert.ok(mon && mon.nrTried >= 2 && mon.szTried >= 2 ** 30);
  b.command("update_schemes_effective_quotas");
  b.command("update_tuned_intervals");
  b.command("commit_schemes_quota_goals");
  b.stop();
  assert.equal(b.status().length, 0);
});

void test("commit applies a changed configuration online and keeps nr_kdamonds", () => {
  const { fake, backend } = setup();
  const cfg = simpleKdamonds({ targetPid: 123 });
  backend().start(cfg);
  const changed = simpleKdamonds({ targetPid: 123, aggrUs: 50_000 });
  const n = fake.log.length;
  backend().commit(changed);
  const writes = fake.log.slice(n);
  assert.ok(!writes.some((w) => w.startsWith("kdamonds/nr_kdamonds")));
  assert.ok(writes.includes("kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us=50000"));
  assert.equal(writes.at(-1), "kdamonds/0/state=commit");
  assert.throws(
    () => backend().commit({ kdamonds: [...changed.kdamonds, ...changed.kdamonds] }),
    /cannot change the number of kdamonds/,
  );
});

// fails before the dry-run I/O read what exists: it claimed every optional file
// (stats/nr_snapshots here, as on a real 6.18 tree) was present, and status hit ENOENT
const SIMPLE = withMonitorScheme(simpleKdamonds({ ops: "paddr", targetPid: null })).config;

void test("status --dry-run reads only what exists and prints the stats refresh it would make", () => {
  for (const kernel of ["6.12", "newest"] as const) {
    const { fake, backend } = setup(kernel);
    backend().start(SIMPLE);
    const logged = fake.log.length;
    const lines: string[] = [];
    const st = backend({ dryRun: true, print: (l: string) => lines.push(l) }).status();
    assert.equal(st.length, 1);
    assert.equal(st[0].ours, true);
    assert.equal(st[0].contexts[0].schemes[0].stats?.nrSnapshots, null, "absent file: null, not ENOENT");
    assert.deepEqual(lines, [`echo update_schemes_stats > ${fake.root}/kdamonds/0/state`]);
    assert.equal(fake.log.length, logged, "nothing written");
  }
});

void test("dry-run I/O: a missing file in an existing folder is missing; below a folder nr_* would create, present", () => {
  const { fake, backend } = setup("6.12");
  const lines: string[] = [];
  backend({ dryRun: true, print: (l: string) => lines.push(l) }).start(SIMPLE);
  // no kdamond 0 yet: the dry run cannot know, so it shows the optional write
  assert.ok(lines.includes(`echo 0 > ${fake.root}/kdamonds/0/refresh_ms`), lines.join("\n"));
  // kdamond 0 exists (a 6.12 one, without refresh_ms): the absent optional file is skipped
  fake.write(join(fake.root, "kdamonds/nr_kdamonds"), "1");
  const again: string[] = [];
  backend({ dryRun: true, print: (l: string) => again.push(l), takeOver: true }).start(SIMPLE);
  assert.ok(!again.some((l) => l.includes("refresh_ms")), again.join("\n"));
  assert.ok(again.includes(`echo on > ${fake.root}/kdamonds/0/state`));
  // no tree at all: status reads nothing, and hasTree says why
  const none = new KernelBackend({ root: join(tempDir("damon-empty-"), "admin"), dryRun: true });
  assert.equal(none.hasTree(), false);
  assert.deepEqual(none.status(), []);
});
