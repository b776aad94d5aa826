import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseKdamonds } from "../../src/config/kdamonds.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import { recordKernel } from "../../src/kernel/record.js";
import { readRecords } from "../../src/record/read.js";
import { recordKernelToFile } from "../../src/cli/commands/kernel.js";
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
});

// fails before: kernel record wrote an interim JSON list, not a damo record
void test("kernel record writes a damo record through the record writer, and announces it", async () => {
  const fake = new FakeSysfs();
  const dir = tempDir("kernel-rec-");
  const b = new KernelBackend({ root: fake.root, io: fake, ownershipFile: join(dir, "own.json") });
  const out = join(dir, "damon.data");
  let t = 0;
  const n = await recordKernelToFile(b, CFG, out, "json_compressed", {
    durationMs: 500,
    sleep: (ms) => {
      t += ms * 1e6;
      return Promise.resolve();
    },
    nowNs: () => t,
  });
  assert.equal(n, 5);
  const recs = await readRecords(out);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].intervals?.aggrUs, 100_000);
  assert.equal(recs[0].snapshots.length, 5);
  assert.equal(recs[0].snapshots[0].nr, 4);
  assert.equal(recs[0].snapshots[4].endNs - recs[0].snapshots[0].startNs, 500e6);
});

// fails before: the dry run said nothing about what it would record, and status hit ENOENT
void test("CLI: kernel record --dry-run says what it would record and writes nothing; status --dry-run on an empty root", () => {
  const dir = tempDir("cli-kdry-");
  const root = join(dir, "admin");
  mkdirSync(join(root, "kdamonds"), { recursive: true });
  writeFileSync(join(root, "kdamonds/nr_kdamonds"), "0\n");
  const out = join(dir, "k.data");
  const r = cli([
    "kernel",
    "record",
    "--dry-run",
    "--sysfs-root",
    root,
    "--ops",
    "paddr",
    "--duration",
    "1s",
    "-o",
    out,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /^dry run: would start 1 kdamond\(s\) and record kdamond 0 \/ context 0 \(paddr, physical memory\) every 100 ms aggregation for 1s, into .*k\.data \(json_compressed damo record\)/,
  );
  assert.match(r.err, /update_schemes_tried_regions.*nothing was written/);
  assert.match(r.out, new RegExp(`^echo on > ${root}/kdamonds/0/state$`, "m"));
  assert.deepEqual(readdirSync(dir).sort(), ["admin"], "no record written");
  assert.deepEqual(readdirSync(join(root, "kdamonds")), ["nr_kdamonds"], "nothing written in the tree");

  const empty = cli(["kernel", "status", "--dry-run", "--sysfs-root", join(dir, "nothing-here")]);
  assert.equal(empty.code, 0, empty.err);
  assert.equal(empty.out, "no kdamonds\n");
  assert.match(empty.err, /dry run: no DAMON sysfs tree at .*nothing-here, so nothing to read/);
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
