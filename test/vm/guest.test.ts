import { test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { parseKdamonds, simpleKdamonds } from "../../src/config/kdamonds.js";
import { guestInitScript, writeToShell } from "../../src/vm/guest-script.js";
import { compareKernelVersions, newestKernelPackage } from "../../src/vm/kernel-image.js";
import { qemuArgs } from "../../src/vm/qemu.js";
import { hottestWorkloadRegion, parseAggregatedTrace, parseConsole } from "../../src/vm/trace-parse.js";
import { planStart } from "../../src/kernel/write-plan.js";

void test("guest script runs the backend's write plan, with the workload's pid", () => {
  const cfg = parseKdamonds({
    kdamonds: [
      {
        contexts: [
          {
            ops: "vaddr",
            targets: [{ pid: 0, regions: [] }],
            intervals: { sample_us: "5 ms", aggr_us: "100 ms" },
            schemes: [{ action: "stat", filters: [{ filter_type: "anon", matching: true, allow: true }] }],
          },
        ],
      },
    ],
  });
  const script = guestInitScript({ config: cfg, durationMs: 3000 });
  const plan = planStart(cfg);
  const A = "/sys/kernel/mm/damon/admin";
  // every write of the plan is in the script, in order
  let at = 0;
  for (const w of plan) {
    const line = writeToShell(w, A);
    const i = script.indexOf(line, at);
    assert.ok(i >= 0, `missing: ${line}`);
    at = i;
  }
  assert.match(
    script,
    /echo "\$WPID" > \/sys\/kernel\/mm\/damon\/admin\/kdamonds\/0\/contexts\/0\/targets\/0\/pid_target/,
  );
  assert.match(script, /\[ -e \S+\/refresh_ms \] && echo 0 > \S+\/refresh_ms/); // newer-kernel file at its default
  assert.match(script, /echo Y > \S+\/filters\/0\/allow \|\| fail/); // non-default newer file: required
  assert.match(script, /end=\$\(\( \$\(cs\) \+ 300 \)\)/); // 3 s in centiseconds of guest uptime
  assert.match(script, /echo on > \S+\/kdamonds\/0\/state \|\| fail/);
  assert.match(script, /poweroff -f\n$/);
  // the shell must parse it (a syntax error kills init and panics the guest)
  const sh = spawnSync("busybox", ["sh", "-n"], { input: script, encoding: "utf8" });
  if (!sh.error) assert.equal(sh.status, 0, sh.stderr);
  else assert.equal(spawnSync("sh", ["-n"], { input: script, encoding: "utf8" }).status, 0);
});

void test("kernel package choice: newest numeric version, meta-packages skipped", () => {
  const out = [
    "linux-image-6.12-cloud-amd64 - Linux for x86-64 cloud (meta-package)",
    "linux-image-6.12.99+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)",
    "linux-image-6.12.117+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)",
    "linux-image-6.12.101+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)",
  ].join("\n");
  assert.equal(newestKernelPackage(out), "6.12.117+deb12-cloud-amd64");
  assert.equal(newestKernelPackage(""), null);
  assert.ok(compareKernelVersions("6.12.117+deb12", "6.12.99+deb12") > 0);
});

void test("qemu arguments: TCG, pti=on, no network, two NUMA nodes on request", () => {
  const one = qemuArgs({ vmlinuz: "k", initrd: "i", serial1File: "t", timeoutMs: 1 });
  assert.ok(one.includes("none") && one[one.indexOf("-nic") + 1] === "none");
  assert.match(one[one.indexOf("-append") + 1], /pti=on/);
  // A loaded CI host once made the guest panic in its IO-APIC timer check.
  assert.match(one[one.indexOf("-append") + 1], /no_timer_check/);
  assert.match(one[one.indexOf("-append") + 1], /norandmaps/);
  assert.equal(one[one.indexOf("-accel") + 1], "tcg");
  assert.ok(!one.includes("-numa"));
  const two = qemuArgs({
    vmlinuz: "k",
    initrd: "i",
    serial1File: "t",
    timeoutMs: 1,
    numaNodes: 2,
    memoryMiB: 512,
  });
  assert.equal(two[two.indexOf("-smp") + 1], "2");
  assert.deepEqual(
    two.filter((_, i) => two[i - 1] === "-numa"),
    ["node,nodeid=0,cpus=0,memdev=m0", "node,nodeid=1,cpus=1,memdev=m1"],
  );
  assert.ok(two.includes("memory-backend-ram,id=m1,size=256M"));
});

void test("damon_aggregated trace lines group into snapshots by nr_regions", () => {
  const ev = (t: string, start: number, end: number, nr: number, age: number, n = 2) =>
    `   kdamond.0-87  [000] ..... ${t}: damon_aggregated: target_id=0 nr_regions=${n} ${start}-${end}: ${nr} ${age}\r`;
  const text = [
    "# tracer: nop",
    ev("5.100000", 4096, 8192, 3, 0),
    ev("5.100001", 8192, 16384, 0, 1),
    ev("5.200000", 4096, 12288, 20, 2),
    ev("5.200002", 12288, 16384, 0, 3),
    ev("5.300000", 4096, 8192, 1, 0), // cut off at power-off
  ].join("\n");
  const { snapshots, droppedPartial } = parseAggregatedTrace(text, 100_000);
  assert.equal(snapshots.length, 2);
  assert.equal(droppedPartial, 1);
  assert.deepEqual(snapshots[0], {
    startNs: 5_000_000_000, // first event minus one aggregation interval
    endNs: 5_100_001_000,
    regions: [
      { start: 4096, end: 8192, nrAccesses: 3, age: 0 },
      { start: 8192, end: 16384, nrAccesses: 0, age: 1 },
    ],
  });
  assert.equal(snapshots[1].startNs, snapshots[0].endNs);
  assert.equal(
    hottestWorkloadRegion(snapshots[1], [
      { name: "x", start: 0, end: 8192 },
      { name: "y", start: 8192, end: 16384 },
    ]),
    "x",
  );
  assert.throws(() => parseAggregatedTrace(ev("1.0", 10, 5, 0, 0, 1), 100_000), /trace line 1/);
});

void test("console: regions, phases, errors", () => {
  const info = parseConsole(
    "[    1.0] boot\r\nDTS-STATUS booted 1.9 0.0\r\nDTS-REGION a 4096 8192\r\nDTS-PHASE 0 2100 a hot\r\nmasim-guest: /workload.cfg:3: unknown region name\r\nDTS-ERROR writing x failed\r\n",
  );
  assert.deepEqual(info.regions, [{ name: "a", start: 4096, end: 8192 }]);
  assert.deepEqual(info.phases, [{ index: 0, startNs: 2100, name: "a hot" }]);
  assert.deepEqual(info.errors, ["workload: /workload.cfg:3: unknown region name", "writing x failed"]);
  assert.equal(info.status[0], "booted 1.9 0.0");
  void simpleKdamonds;
});
