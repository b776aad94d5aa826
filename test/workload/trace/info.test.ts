import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { traceInfo } from "../../../src/workload/trace/info.js";
import { projectRoot } from "../../../src/workload/trace/valgrind-tool.js";
import { syntheticAccesses, writeTrace } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dt-info-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

void test("info: counts, threads, footprint (accesses straddling a page count twice), duration, live mappings", () => {
  const a = {
    addr: [0x1000, 0x1ffc, 0x5000, 0x1008, 0x5000],
    size: [8, 8, 1, 4, 2],
    isWrite: [0, 1, 0, 1, 1],
    tid: [1, 1, 2, 2, 1],
    clock: [10, 12, 20, 21, 50],
  };
  const path = join(dir, "small.dtrace");
  writeFileSync(
    path,
    writeTrace(a, { chunkAccesses: 2 }, [
      { at: 0, ev: { type: "map", clock: 0, start: 0x1000, length: 0x8000, prot: "rw-", kind: "anon" } },
      { at: 3, ev: { type: "unmap", clock: 21, start: 0x3000, length: 0x2000 } },
    ]),
  );
  const info = traceInfo(path);
  assert.equal(info.accesses, 5);
  assert.equal(info.reads, 2);
  assert.equal(info.writes, 3);
  assert.deepEqual(info.threads, [
    { tid: 1, accesses: 3 },
    { tid: 2, accesses: 2 },
  ]);
  assert.equal(info.footprintPages, 3, "pages 1, 2 (straddled) and 5");
  assert.equal(info.footprintBytes, 3 * 4096);
  assert.equal(info.addrMin, 0x1000);
  assert.equal(info.addrMax, 0x5001);
  assert.equal(info.firstClock, 10);
  assert.equal(info.duration, 40);
  assert.equal(info.mapEvents, 2);
  assert.deepEqual(
    info.mappings.map((m) => [m.start, m.length]),
    [
      [0x1000, 0x2000],
      [0x5000, 0x4000],
    ],
  );
  assert.equal(info.partial, false);
});

void test("info: footprint agrees with a direct count on a larger random trace", () => {
  const a = syntheticAccesses(71, 20_000);
  const path = join(dir, "big.dtrace");
  writeFileSync(path, writeTrace(a, { chunkAccesses: 3000 }));
  const pages = new Set<number>();
  for (let i = 0; i < a.addr.length; i++) {
    const last = a.addr[i] + Math.max(a.size[i], 1) - 1;
    for (let p = Math.floor(a.addr[i] / 4096); p <= Math.floor(last / 4096); p++) pages.add(p);
  }
  const info = traceInfo(path);
  assert.equal(info.footprintPages, pages.size);
  assert.equal(info.accesses, 20_000);
  assert.equal(info.threads.length, new Set(a.tid).size);
});

const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(projectRoot(), "src/cli/main.ts"), ...args], {
    encoding: "utf8",
    cwd: projectRoot(),
  });

void test("CLI info on a damaged trace: prints the summary with the damage, then exits 2 naming the offset", () => {
  const path = join(dir, "dmg.dtrace");
  const bytes = Buffer.from(writeTrace(syntheticAccesses(72, 5000), { chunkAccesses: 1000 }));
  // Damage the payload of the first access chunk (its header sits right after the file header).
  const first = 20 + bytes.readUInt32LE(12);
  bytes[first + 36 + 10] ^= 0xff;
  writeFileSync(path, bytes);
  const r = cli(["trace", "info", path]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /DAMAGE: 1 damaged stretch/);
  assert.match(r.stdout, new RegExp(`offset ${first}: chunk checksum mismatch`));
  assert.match(r.stderr, new RegExp(`dmg\\.dtrace:offset ${first}`));
  assert.equal(r.stderr.trim().split("\n").length, 1);
  // convert refuses a damaged trace rather than writing a silent partial CSV.
  const c = cli(["trace", "convert", path, "-o", join(dir, "dmg.csv")]);
  assert.equal(c.status, 2);
  assert.throws(() => readFileSync(join(dir, "dmg.csv")), /ENOENT/);
});
