/**
 * Issue 20: interrupted and misdirected writes. The signal tests start a child
 * process that opens an atomic writer and then runs a long synchronous loop (as a
 * simulation does), send it a real signal, and check that the temporary file is
 * gone and no output appeared.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AtomicFileWriter,
  setStaleTempReporter,
  staleTempFiles,
  tempPathFor,
  writeFileAtomic,
} from "../../src/util/atomic-write.js";
import { UsageError } from "../../src/util/errors.js";
import { cli } from "../cli/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dt-atomic-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (cond()) return true;
  return cond();
}

/** A child that opens a writer for `out`, writes, says "ready", then `then` (busy loop by default). */
function child(out: string, then = "for (;;) {}") {
  const src = `import { AtomicFileWriter } from ${JSON.stringify(join(ROOT, "src/util/atomic-write.ts"))};
const w = new AtomicFileWriter(${JSON.stringify(out)});
w.write("x".repeat(1 << 16));
process.stdout.write("ready\\n");
${then}`;
  return spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", src], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function killedChildLeavesNothing(signal: NodeJS.Signals, then?: string): Promise<void> {
  const out = join(dir, `out-${signal}.json`);
  const c = child(out, then);
  const ready = new Promise<void>((res) => c.stdout.on("data", () => res()));
  const exited = new Promise<void>((res) => c.on("exit", () => res()));
  await ready;
  const tmp = tempPathFor(out, c.pid);
  assert.ok(existsSync(tmp), "the temp file exists while writing");
  c.kill(signal);
  await exited;
  assert.ok(await waitFor(() => !existsSync(tmp), 3000), `${signal}: ${tmp} was left behind`);
  assert.ok(!existsSync(out), "no output appeared");
}

// Each fails before the guard process: the child died in its busy loop and left .out.tmp-PID.
void test("SIGINT during a long synchronous job: the temp file is removed, no output", async () => {
  await killedChildLeavesNothing("SIGINT");
});
void test("SIGTERM during a long synchronous job: the temp file is removed, no output", async () => {
  await killedChildLeavesNothing("SIGTERM");
});
void test("SIGKILL: the temp file is removed too", async () => {
  await killedChildLeavesNothing("SIGKILL");
});

// Fails before the exit hook: process.exit after an error skipped abort() and left the temp file.
void test("process.exit with a writer still open removes its temp file", () => {
  const out = join(dir, "exit.json");
  const src = `import { AtomicFileWriter } from ${JSON.stringify(join(ROOT, "src/util/atomic-write.ts"))};
const w = new AtomicFileWriter(${JSON.stringify(out)});
w.write("partial");
process.exit(1);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", src], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith(".exit.json")),
    [],
  );
});

// Fails before closeFd: abort() after a failed rename closed the fd twice and threw EBADF.
void test("a failed rename: the real error is thrown, the temp file removed, abort() is quiet", () => {
  const out = join(dir, "becomes-dir");
  const w = new AtomicFileWriter(out);
  w.write("data");
  mkdirSync(out); // rename(file, dir) fails with EISDIR
  assert.throws(
    () => w.commit(),
    (e: unknown) => (e as NodeJS.ErrnoException).code === "EISDIR",
  );
  assert.ok(!existsSync(tempPathFor(out)));
  assert.doesNotThrow(() => w.abort());
  rmSync(out, { recursive: true });
});

// Fails before checkOutputPath: the writer opened .DIR.tmp-PID and only the final rename failed.
void test("an output path that is a directory is refused before any work", () => {
  const d = join(dir, "a-dir");
  mkdirSync(d);
  assert.throws(
    () => new AtomicFileWriter(d),
    (e: unknown) => e instanceof UsageError && /is a directory/.test(e.message),
  );
  assert.throws(() => writeFileAtomic(d, "x"), /is a directory/);
  assert.throws(() => new AtomicFileWriter(join(dir, "no/such/folder/out")), /folder .* does not exist/);
  assert.ok(!existsSync(tempPathFor(d)));
  // The CLI: `run --record DIR` fails at once with the real reason (was: EBADF ... close after the run).
  const t0 = Date.now();
  const r = cli(["run", "stairs", "--record", d, "--no-baseline", "--time-scale", "0.05", "--ops", "vaddr"]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^damon-ts: --record: cannot write .*a-dir: it is a directory\n$/);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith(".a-dir")),
    [],
  );
  assert.ok(Date.now() - t0 < 60_000);
});

// Fails before staleTempFiles: nothing said where a killed run's temp files lie.
void test("stale temp files of a dead process are reported when a writer starts on the same output", () => {
  const out = join(dir, "stale.json");
  const dead = spawnSync("true").pid; // a pid that has exited
  const tmp = tempPathFor(out, dead);
  writeFileSync(tmp, "left over");
  writeFileSync(tempPathFor(out, process.pid + 0), "ours"); // our own is not stale
  assert.deepEqual(staleTempFiles(out), [{ file: tmp, bytes: 9 }]);
  const seen: string[] = [];
  setStaleTempReporter((stale, path) => seen.push(`${path}: ${stale.map((s) => s.file).join(",")}`));
  try {
    writeFileAtomic(out, "new");
  } finally {
    setStaleTempReporter(null);
  }
  assert.deepEqual(seen, [`${out}: ${tmp}`]);
  assert.ok(existsSync(tmp), "reported, never removed silently");
  rmSync(tmp);
});

// A symbolic link is written through (its target replaced, the link kept); a pipe or
// device is written in place: renaming over it swapped /dev/null for a plain file.
test("writes through a symbolic link and into a pipe in place", async () => {
  const target = join(dir, "link-target.json");
  writeFileSync(target, "old");
  const link = join(dir, "link.json");
  symlinkSync(target, link);
  writeFileAtomic(link, "new");
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, "utf8"), "new");
  assert.equal(readdirSync(dir).filter((n) => n.includes(".tmp-")).length, 0);
  // A dangling link creates its target.
  const dangling = join(dir, "dangling.json");
  symlinkSync(join(dir, "made-by-link.json"), dangling);
  writeFileAtomic(dangling, "made");
  assert.equal(readFileSync(join(dir, "made-by-link.json"), "utf8"), "made");
  assert.ok(lstatSync(dangling).isSymbolicLink());
  // A named pipe: a reader gets the bytes, and the pipe stays a pipe.
  const fifo = join(dir, "pipe");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
  let got = "";
  reader.stdout.on("data", (b: Buffer) => (got += b.toString()));
  // "close", not "exit": the exit can come before its stdout has been read.
  const done = new Promise<void>((res) => reader.on("close", () => res()));
  const w = new AtomicFileWriter(fifo);
  w.write("through ");
  w.write("the pipe");
  w.commit();
  await done;
  assert.equal(got, "through the pipe");
  assert.ok(lstatSync(fifo).isFIFO());
  assert.equal(readdirSync(dir).filter((n) => n.includes(".tmp-")).length, 0);
  // A loop of links, and an empty name, are refused in one line.
  symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
  symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
  assert.throws(() => writeFileAtomic(join(dir, "loop-a"), "x"), /too many levels of symbolic links/);
  assert.throws(() => writeFileAtomic("", "x"), /the output file name is empty/);
});
