import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseKdamonds } from "../../src/config/kdamonds.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import { recordKernel } from "../../src/kernel/record.js";
import { snapshotsToJson } from "../../src/kernel/snapshot.js";
import { FakeSysfs } from "./fake-sysfs.js";
import { cli } from "../cli/helpers.js";
import { tempDir } from "../helpers/temp.js";

const CFG = parseKdamonds({
  kdamonds: [
    {
      contexts: [
        {
          ops: "vaddr",
          targets: [
            {
              pid: 1234,
              regions: [
                { start: 0x100000, end: 0x500000 },
                { start: 0x800000, end: 0x900000 },
              ],
            },
          ],
          schemes: [{ action: "pageout", access_pattern: { age: { min: "10 s", max: "max" } } }],
        },
      ],
    },
  ],
});

void test("record: one snapshot per aggregation interval, timestamps increase, kdamonds stopped after", async () => {
  const fake = new FakeSysfs();
  const own = join(tempDir("own-"), "o.json");
  const b = new KernelBackend({ root: fake.root, io: fake, ownershipFile: own });
  let t = 0;
  const snaps = await recordKernel(b, CFG, {
    durationMs: 1000,
    sleep: (ms) => {
      t += ms * 1e6;
      return Promise.resolve();
    },
    nowNs: () => t,
  });
  assert.equal(snaps.length, 10); // 1 s / 100 ms
  snaps.forEach((s, i) => {
    assert.equal(s.endNs, (i + 1) * 100e6);
    assert.equal(s.startNs, i * 100e6);
    assert.equal(s.regions.length, 4);
    for (const r of s.regions) assert.ok(r.start < r.end && r.start >= 0x100000 && r.end <= 0x900000);
  });
  // the user's pageout scheme stays scheme 0; the monitoring scheme is appended
  assert.ok(fake.log.includes("kdamonds/0/contexts/0/schemes/nr_schemes=2"));
  assert.equal(fake.read(join(fake.root, "kdamonds/nr_kdamonds")), "0");
  const json = JSON.parse(snapshotsToJson(snaps)) as {
    start_ns: number;
    regions: { nr_accesses: number }[];
  }[];
  assert.equal(json[0].regions.length, 4);
  assert.equal(typeof json[0].regions[0].nr_accesses, "number");
});

void test("CLI: kernel start --dry-run on a temp root prints writes and changes nothing", () => {
  const root = join(tempDir("cli-root-"), "admin");
  mkdirSync(join(root, "kdamonds"), { recursive: true });
  writeFileSync(join(root, "kdamonds/nr_kdamonds"), "0\n");
  const base = ["kernel", "start", "--dry-run", "--sysfs-root", root, "--ops", "vaddr"];
  const ok = cli([...base, "--target-pid", "42", "--sample", "1ms", "--aggr", "20ms"]);
  assert.equal(ok.code, 0, ok.err);
  const out = ok.out;
  const lines = out.trim().split("\n");
  assert.equal(lines[0], `echo 1 > ${root}/kdamonds/nr_kdamonds`);
  assert.ok(lines.includes(`echo 42 > ${root}/kdamonds/0/contexts/0/targets/0/pid_target`));
  assert.ok(lines.includes(`echo 1000 > ${root}/kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us`));
  assert.equal(lines.at(-1), `echo on > ${root}/kdamonds/0/state`);
  assert.deepEqual(readdirSync(join(root, "kdamonds")), ["nr_kdamonds"]);

  // bad input: exit 2 with one line naming the problem
  const r = cli(base);
  assert.equal(r.code, 2);
  assert.match(r.err, /--target-pid is needed/);
  // foreign kdamonds: exit 1 and how to override
  writeFileSync(join(root, "kdamonds/nr_kdamonds"), "1\n");
  const r2 = cli(["kernel", "stop", "--sysfs-root", root]);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /did not create .*--take-over/);
});
