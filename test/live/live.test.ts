/**
 * `damon-ts live` on a program the test builds and starts itself
 * (test/fixtures/live/two-threads.c): two threads pinned to different CPUs,
 * each faulting in its own buffer. The faults must come out attributed to the
 * right thread, CPU and mapping, and DAMON's regions must see both buffers.
 * Skipped (with the reason) where gcc or a usable perf is missing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readRecords } from "../../src/record/read.js";
import { snapshotRegions } from "../../src/record/model.js";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { probePerf } from "../../src/live/perf-source.js";
import { cli } from "../cli/helpers.js";
import { LIVE_FAST, liveTestArgs } from "../helpers/live-args.js";

const SRC = fileURLToPath(new URL("../fixtures/live/two-threads.c", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dt-live-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const perf = probePerf();
const gcc = spawnSync("gcc", ["--version"]).status === 0;
const skip = !gcc ? "gcc is not installed" : !perf.ok ? `perf unusable: ${perf.reason}` : false;

const BIN = join(dir, "two-threads");
function build(): void {
  const r = spawnSync("gcc", ["-O1", "-pthread", "-o", BIN, SRC], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

interface ThreadInfo {
  thread: number;
  tid: number;
  cpu: number;
  pinned: boolean;
  buf: number;
  len: number;
}
interface LiveJson {
  schema: string;
  pid: number;
  endReason: string;
  exitCode: number | null;
  faults: number;
  faultsPerCpu: number[];
  threads: {
    tid: number;
    faults: number;
    byCpu: number[];
    mappings: { start: number; end: number; faults: number }[];
  }[];
  reports: { received: number; counted: number; stale: number; outOfRange: number };
  sources: { name: string; inUse: boolean; detail: string }[];
}
interface LiveRecord {
  snapshots: { regions: { start: number; end: number; nrAccesses: number }[] }[];
}

/** The damo record `--record` wrote, as plain regions per snapshot. */
async function readLiveRecord(path: string): Promise<LiveRecord> {
  const [rec] = await readRecords(path);
  return { snapshots: rec.snapshots.map((s) => ({ regions: snapshotRegions(s) })) };
}

function readInfo(path: string): ThreadInfo[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ThreadInfo)
    .sort((a, b) => a.thread - b.thread);
}

/** Each thread's buffer faults are its own, on its own CPU, and DAMON saw accesses in both buffers. */
function checkAttribution(j: LiveJson, info: ThreadInfo[], minPages: number, rec?: LiveRecord): void {
  assert.equal(info.length, 2);
  for (const t of info) {
    const th = j.threads.find((x) => x.tid === t.tid);
    assert.ok(th, `thread ${t.tid} seen (threads: ${j.threads.map((x) => x.tid).join(",")})`);
    const inBuf = th.mappings.find((m) => m.start <= t.buf && t.buf < m.end);
    assert.ok(inBuf, `thread ${t.tid} faulted in its buffer`);
    // A few samples may come in after /proc stopped showing their mapping.
    assert.ok(
      inBuf.faults >= minPages * 0.98,
      `${inBuf.faults} faults in the buffer, expected ≥ ${minPages}`,
    );
    const other = info.find((x) => x.thread !== t.thread)!;
    assert.ok(
      !th.mappings.some((m) => m.start <= other.buf && other.buf < m.end && m.faults > 0),
      "no faults in the other thread's buffer",
    );
    if (t.pinned) {
      // Pinned before touching: every buffer fault is on the thread's CPU.
      assert.ok((th.byCpu[t.cpu] ?? 0) >= inBuf.faults, `CPU ${t.cpu}: ${th.byCpu.join(",")}`);
    }
  }
  if (cpus().length >= 2) assert.notEqual(info[0].cpu, info[1].cpu, "the two threads ran on different CPUs");
  if (rec) {
    for (const t of info) {
      const seen = rec.snapshots.some((s) =>
        s.regions.some((r) => r.start < t.buf + t.len && r.end > t.buf && r.nrAccesses > 0),
      );
      assert.ok(seen, `DAMON saw accesses in thread ${t.thread}'s buffer`);
    }
  }
}

void test("live -- CMD: faults attributed to the right threads, CPUs and buffers", { skip }, async () => {
  build();
  const out = join(dir, "cmd.out");
  const record = join(dir, "cmd.json");
  const rounds = 3;
  const mib = 8;
  const r = cli([...liveTestArgs(record), "--", BIN, out, String(rounds), String(mib)], {
    timeoutMs: 180_000,
  });
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as LiveJson;
  assert.equal(j.schema, "damon-ts/live/1");
  assert.equal(j.endReason, "target exited");
  assert.equal(j.exitCode, 0);
  const pages = (mib << 20) / 4096;
  checkAttribution(j, readInfo(out), rounds * pages, await readLiveRecord(record));
  // Every fault went through the report API; with a window covering perf's lag none is late.
  assert.equal(j.reports.received, j.faults);
  assert.ok(j.reports.counted > 0);
  assert.ok(j.reports.stale <= j.faults * 0.01, `${j.reports.stale} stale`);
  // Faults in a buffer mapped after DAMON's last layout update fall outside its regions
  // until the next update (as in the kernel): here at most the first round's.
  assert.ok(j.reports.outOfRange <= j.faults / rounds + 100, `${j.reports.outOfRange} outside the regions`);
  assert.equal(
    j.faultsPerCpu.reduce((a, b) => a + b, 0),
    j.faults,
  );
  // Sources: perf in use; hardware samples listed with why they are (not) used; clear_refs off by default.
  const src = new Map(j.sources.map((s) => [s.name, s]));
  assert.equal(src.get("perf page-fault samples")?.inUse, true);
  assert.equal(src.get("/proc/PID/clear_refs")?.inUse, false);
  const hw = j.sources.find((s) => s.name.startsWith("hardware memory samples"));
  assert.ok(hw && hw.detail.length > 10);
});

void test("live --pid: observes a process the test started, ends when it exits", { skip }, async () => {
  build();
  const out = join(dir, "pid.out");
  // Long enough for perf to attach while it runs (perf takes about a second to start here).
  const target = spawn(BIN, [out, "60", "4"], { stdio: "ignore" });
  const exited = new Promise<number | null>((res) => target.on("exit", (c) => res(c)));
  try {
    const r = await new Promise<{ code: number | null; out: string; err: string }>((res) => {
      const p = spawn(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", "live", "--pid", String(target.pid), ...LIVE_FAST],
        { cwd: fileURLToPath(new URL("../../", import.meta.url)) },
      );
      let so = "";
      let se = "";
      p.stdout.on("data", (b: Buffer) => (so += b.toString()));
      p.stderr.on("data", (b: Buffer) => (se += b.toString()));
      p.on("close", (code) => res({ code, out: so, err: se }));
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(await exited, 0, "the observed process ran undisturbed to its end");
    const j = JSON.parse(r.out) as LiveJson;
    assert.equal(j.pid, target.pid);
    assert.equal(j.endReason, "target exited");
    assert.equal(j.exitCode, null);
    // Attached late: at least a few rounds of each buffer (1024 pages each) were seen.
    checkAttribution(j, readInfo(out), 3 * 1024);
  } finally {
    if (target.exitCode === null) target.kill("SIGKILL");
  }
});

void test("live: clear errors for a missing perf, a missing process and bad usage", () => {
  const p = probePerf(join(dir, "no-such-perf"));
  assert.equal(p.ok, false);
  assert.match(p.reason!, /apt-get install linux-perf/);
  const none = cli(["live"]);
  assert.equal(none.code, 2);
  assert.match(none.err, /--pid PID or a command/);
  const both = cli(["live", "--pid", "1", "--", "true"]);
  assert.equal(both.code, 2);
  if (perf.ok) {
    const gone = cli(["live", "--pid", "999999999"]);
    assert.equal(gone.code, 2);
    assert.match(gone.err, /no running process with pid 999999999/);
  }
});

// fails before: the command's status was dropped (exit 0), a missing command started
// anyway, and late perf samples were only visible as a stale count
void test("live -- CMD: exits with the command's status; a missing command is bad input", { skip }, () => {
  const three = cli(["live", "--no-view", "--", "sh", "-c", "exit 3"], { timeoutMs: 120_000 });
  assert.equal(three.code, 3, three.err);
  assert.match(three.err, /damon-ts live: sh -c exit 3 exited with status 3/);
  const missing = cli(["live", "--no-view", "--", join(dir, "no-such-command")], { timeoutMs: 60_000 });
  assert.equal(missing.code, 2, missing.err);
  assert.match(missing.err, /no-such-command: no such executable file/);
  const notOnPath = cli(["live", "--no-view", "--", "no-such-command-on-path"], { timeoutMs: 60_000 });
  assert.equal(notOnPath.code, 2, notOnPath.err);
  assert.match(notOnPath.err, /command not found on PATH/);
});

void test(
  "live: samples later than the latency window are said once, with a --latency to try",
  { skip },
  () => {
    build();
    // a 1 µs window: every sample arrives late, however idle the machine
    const r = cli(["live", "--json", "--latency", "1us", "--", BIN, join(dir, "late.out"), "1", "2"], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as LiveJson & { perf: { late: number; samples: number } };
    assert.ok(j.perf.late > 0 && j.perf.late <= j.perf.samples);
    const notes = r.err.split("\n").filter((l) => l.includes("later than the 1 µs latency window"));
    assert.equal(notes.length, 1, r.err);
    assert.match(notes[0], /^damon-ts live: \d+ of \d+ perf samples .* try --latency \d+ms$/);
  },
);
