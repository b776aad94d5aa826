/**
 * ProcMapsPoller on /proc/PID/maps texts written to a temp file: what a change, an
 * unreadable file and an empty one (a zombie, a process mid-exec) turn into.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcMapsPoller } from "../../../src/workload/trace/proc-maps.js";

const dir = mkdtempSync(join(tmpdir(), "dt-maps-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const BIN = "00400000-00401000 r-xp 00000000 08:01 1234                               /usr/bin/prog";
const STACK = "1ffefff000-1fff001000 rw-p 00000000 00:00 0";
const VALGRIND = "58000000-58200000 r-xp 00001000 08:01 99   /usr/libexec/valgrind/lackey-amd64-linux";
const VGDB = "04a2e000-04a30000 rw-s 00000000 00:1f 77  /tmp/vgdb-pipe-shared-mem-vgdb-12-by-u-on-h";
const VVAR = "7ffd1000-7ffd3000 r--p 00000000 00:00 0                          [vvar_vclock]";
const LIBC = "04a40000-04bc0000 r-xp 00028000 08:01 55   /usr/lib/x86_64-linux-gnu/libc.so.6";

let files = 0;
function poller(): { p: ProcMapsPoller; set: (lines: string[] | undefined) => void } {
  const path = join(dir, `maps-${files++}`);
  return {
    p: new ProcMapsPoller(0, path),
    set: (lines) => {
      if (lines === undefined) rmSync(path, { force: true });
      else writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
    },
  };
}

void test("the first read is the start-up map, without Valgrind's own mappings", () => {
  const { p, set } = poller();
  set([BIN, VALGRIND, VGDB, VVAR, STACK]);
  const ev = p.poll(0);
  assert.deepEqual(
    ev.map((e) => [e.type, e.start, e.length, e.name, e.startup]),
    [
      ["map", 0x400000, 0x1000, "/usr/bin/prog", true],
      ["map", 0x1ffefff000, 0x2000, undefined, true],
    ],
  );
  assert.equal(p.reads, 1);
});

void test("later reads report what was mapped and unmapped since, at the clock given", () => {
  const { p, set } = poller();
  set([BIN, STACK]);
  p.poll(0);
  set([BIN, LIBC]);
  const ev = p.poll(500);
  assert.deepEqual(
    ev.map((e) => [e.type, e.clock, e.start, e.name ?? "", e.startup ?? false]),
    [
      ["unmap", 500, 0x1ffefff000, "", false],
      ["map", 500, 0x4a40000, "/usr/lib/x86_64-linux-gnu/libc.so.6", false],
    ],
  );
  assert.deepEqual(p.poll(600), [], "nothing changed");
  assert.equal(p.reads, 3);
});

void test("an unreadable or empty map changes nothing: it is not taken as everything unmapped", () => {
  const { p, set } = poller();
  set(undefined);
  assert.deepEqual(p.poll(0), []);
  set([]);
  assert.deepEqual(p.poll(0), []);
  assert.equal(p.reads, 0, "neither counts as a read");
  set([BIN, STACK]);
  const first = p.poll(10);
  assert.equal(first.length, 2);
  assert.ok(
    first.every((e) => e.startup === true),
    "the first real read is the start-up map",
  );
  // The process exits: a zombie's file is empty, then the file is gone.
  set([]);
  assert.deepEqual(p.poll(20), []);
  set(undefined);
  assert.deepEqual(p.poll(30), []);
  assert.equal(p.reads, 1);
  // Were it read again, the map it kept is still the one to compare with.
  set([BIN, STACK, LIBC]);
  assert.deepEqual(
    p.poll(40).map((e) => [e.type, e.name]),
    [["map", "/usr/lib/x86_64-linux-gnu/libc.so.6"]],
  );
});
