/**
 * End to end: real programs found on every Debian machine, captured under valgrind,
 * then summarised. Skipped (with a message) only when valgrind is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureTrace } from "../../../src/workload/trace/capture.js";
import { traceInfo } from "../../../src/workload/trace/info.js";
import { TraceReader } from "../../../src/workload/trace/reader.js";
import type { MapEvent } from "../../../src/workload/trace/format.js";
import { chooseTool, findValgrind, projectRoot } from "../../../src/workload/trace/valgrind-tool.js";
import { Rng } from "../../../src/util/rng.js";

const valgrind = findValgrind();
const hasGcc = spawnSync("gcc", ["--version"]).status === 0;
// Our tool needs gcc and valgrind's headers; without them capture falls back to lackey.
const canBuild = hasGcc && existsSync("/usr/include/valgrind/pub_tool_basics.h");
const skip = valgrind ? false : "valgrind is not installed (apt-get install valgrind): capture tests skipped";

const dir = mkdtempSync(join(tmpdir(), "dt-cap-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function inputFile(): string {
  const rng = new Rng(5);
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) lines.push(String(rng.randRange(0, 1_000_000)));
  const p = join(dir, "in.txt");
  writeFileSync(p, `${lines.join("\n")}\n`);
  return p;
}

void test(
  "capture → info on `sort` with our Valgrind tool: real layout, one thread, complete",
  { skip },
  async () => {
    const out = join(dir, "sort.dtrace");
    const r = await captureTrace({ output: out, command: ["sort", inputFile()], stdio: "ignore" });
    assert.equal(r.tool.kind, canBuild ? "damontrace" : "lackey", r.tool.description);
    assert.equal(r.exitCode, 0);
    assert.equal(r.footer.partial, false);
    const info = traceInfo(out);
    assert.equal(info.partial, false);
    assert.deepEqual(info.damage, []);
    assert.equal(info.header.tool, "damontrace");
    assert.deepEqual(info.header.command?.slice(0, 1), ["sort"]);
    assert.ok(info.accesses > 100_000, `${info.accesses} accesses`);
    assert.ok(info.reads > 0 && info.writes > 0);
    assert.equal(info.threads.length, 1);
    assert.ok(info.duration > info.accesses / 4, "instruction clock advances with the accesses");
    // The memory map is the process's own: the sort binary, libc, a stack, a heap.
    const names = info.mappings.map((m) => m.name ?? "");
    assert.ok(
      names.some((n) => n.endsWith("/sort")),
      names.join(" "),
    );
    assert.ok(
      names.some((n) => n.includes("libc.so")),
      names.join(" "),
    );
    assert.ok(info.mappings.some((m) => m.kind === "stack"));
    assert.ok(!names.some((n) => n.includes("valgrind")), "Valgrind's own files are left out");
    // Nearly every access falls inside a mapping the trace reported (only stack growth may not).
    const rd = TraceReader.open(out);
    const maps: [number, number][] = [];
    let inside = 0;
    let total = 0;
    for (const item of rd) {
      if (item.kind === "events")
        for (const ev of item.events) if (ev.type === "map") maps.push([ev.start, ev.start + ev.length]);
      if (item.kind !== "accesses") continue;
      for (let i = 0; i < item.count; i += 97) {
        total++;
        const a = item.addr[i];
        if (maps.some(([s, e]) => a >= s && a < e)) inside++;
      }
    }
    rd.close();
    assert.ok(inside / total > 0.99, `${inside}/${total} sampled accesses inside reported mappings`);
  },
);

const skipTool = skip || (canBuild ? false : "gcc or valgrind's headers missing: our tool cannot be built");

void test(
  "capture sees every thread of a threaded program (python threading)",
  { skip: skipTool },
  async () => {
    const out = join(dir, "py.dtrace");
    const prog =
      "import threading\nd={}\ndef f():\n  for i in range(3000): d[i]=i\nt=threading.Thread(target=f)\nt.start(); t.join()\n";
    const r = await captureTrace({ output: out, command: ["/usr/bin/python3", "-c", prog], stdio: "ignore" });
    assert.equal(r.exitCode, 0);
    const info = traceInfo(out);
    assert.ok(info.threads.length >= 2, `threads ${JSON.stringify(info.threads)}`);
    for (const t of info.threads) assert.ok(t.accesses > 0);
  },
);

void test("an interrupted capture keeps what it had and is marked partial", { skip }, async () => {
  const out = join(dir, "int.dtrace");
  const ac = new AbortController();
  let stopped = false;
  const r = await captureTrace({
    output: out,
    command: ["/usr/bin/python3", "-c", "while True: pass"],
    stdio: "ignore",
    signal: ac.signal,
    progressMs: 200,
    onProgress: (p) => {
      // Stop once the program is clearly running (its startup alone is millions of accesses).
      if (!stopped && p.accesses > 2_000_000) {
        stopped = true;
        ac.abort();
      }
    },
  });
  assert.equal(r.interrupted, true);
  assert.equal(r.footer.partial, true);
  assert.match(r.footer.endReason ?? "", /interrupted/);
  const info = traceInfo(out);
  assert.equal(info.partial, true);
  assert.ok(info.accesses >= 2_000_000);
  assert.deepEqual(info.damage, []);
});

/** The map events of a trace, and the share of (every 7th) access inside a mapping it reported. */
function mapsAndCoverage(file: string): { events: MapEvent[]; inside: number } {
  const rd = TraceReader.open(file);
  const events: MapEvent[] = [];
  let inside = 0;
  let total = 0;
  for (const item of rd) {
    if (item.kind === "events") events.push(...item.events);
    if (item.kind !== "accesses") continue;
    for (let i = 0; i < item.count; i += 7) {
      total++;
      const a = item.addr[i];
      if (events.some((ev) => ev.type === "map" && a >= ev.start && a < ev.start + ev.length)) inside++;
    }
  }
  rd.close();
  return { events, inside: total ? inside / total : 0 };
}

void test("the lackey fallback captures too, and says so", { skip }, async () => {
  const out = join(dir, "lackey.dtrace");
  const r = await captureTrace({ output: out, command: ["/bin/true"], stdio: "ignore", prefer: "lackey" });
  assert.equal(r.tool.kind, "lackey");
  const info = traceInfo(out);
  assert.equal(info.header.tool, "lackey");
  assert.ok(info.accesses > 1000);
  assert.ok(info.header.notes?.some((n) => n.includes("lackey")));
  // The map is read at the program's first instruction, while valgrind waits on the
  // pipe (a dynamically linked program's lackey output is megabytes), so even
  // /bin/true gets its map every time: its own image, at the start, not the wrapper
  // script's or valgrind launcher's that the pid held before.
  assert.equal(info.footer?.notes, undefined, JSON.stringify(info.footer?.notes));
  assert.ok(info.mapEvents > 0, "memory map from /proc/PID/maps");
  const { events, inside } = mapsAndCoverage(out);
  const startup = events.filter((ev) => ev.startup);
  const names = startup.map((ev) => ev.name ?? "");
  assert.ok(
    names.some((n) => n.endsWith("/true")),
    names.join(" "),
  );
  assert.ok(
    names.some((n) => n.includes("/ld-linux")),
    names.join(" "),
  );
  assert.ok(
    startup.every((ev) => ev.index === 0 && ev.clock === 0),
    "start-up mappings come before any access",
  );
  const everName = events.map((ev) => ev.name ?? "");
  assert.ok(!everName.some((n) => /\/(dash|bash|sh|valgrind\.bin|valgrind)$/.test(n)), everName.join(" "));
  assert.ok(!everName.some((n) => n.includes("valgrind")), "Valgrind's own files are left out");
  // Read again as the output flows, the map also gets libc (mapped by ld.so later).
  assert.ok(
    info.mappings.some((m) => m.name?.includes("libc.so")),
    info.mappings.map((m) => m.name).join(" "),
  );
  assert.ok(inside > 0.95, `${inside} of sampled accesses inside reported mappings`);
});

void test(
  "lackey on a program too short to outlast the pipe: a map, or a note saying there is none",
  { skip: skip || (hasGcc ? false : "gcc is not installed: the tiny program cannot be built") },
  async () => {
    // Three instructions and an exit: lackey's whole output (under 1 KiB) fits in the
    // pipe, so valgrind may be gone before the map can be read. What is guaranteed:
    // the trace says which, and never records some other process's map.
    const src = join(dir, "tiny.c");
    const bin = join(dir, "tiny");
    writeFileSync(
      src,
      'void _start(void) { __asm__ volatile("mov $60, %eax\\n xor %edi, %edi\\n syscall"); }\n',
    );
    const cc = spawnSync("gcc", ["-nostdlib", "-static", "-O2", "-o", bin, src], { encoding: "utf8" });
    assert.equal(cc.status, 0, cc.stderr);
    const out = join(dir, "tiny.dtrace");
    const r = await captureTrace({ output: out, command: [bin], stdio: "ignore", prefer: "lackey" });
    assert.equal(r.exitCode, 0);
    const info = traceInfo(out);
    const noted = info.footer?.notes?.some((n) => n.startsWith("no memory map")) ?? false;
    const names = mapsAndCoverage(out).events.map((ev) => ev.name ?? "");
    if (noted) assert.equal(info.mapEvents, 0);
    else
      assert.ok(
        names.some((n) => n.endsWith("/tiny")),
        names.join(" "),
      );
    assert.ok(!names.some((n) => /\/(dash|bash|sh|valgrind\.bin|valgrind)$/.test(n)), names.join(" "));
  },
);

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ["--import", "tsx", join(projectRoot(), "src/cli/main.ts"), ...args], {
    encoding: "utf8",
    cwd: projectRoot(),
    env,
  });

void test(
  "CLI: the target's output passes through; info --json reports the capture",
  { skip: skipTool },
  () => {
    const out = join(dir, "echo.dtrace");
    const c = cli(["trace", "capture", "-o", out, "--", "/bin/echo", "hello from the target"]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(c.stdout, "hello from the target\n");
    assert.match(c.stderr, /using damontrace/);
    const i = cli(["trace", "info", "--json", out]);
    assert.equal(i.status, 0, i.stderr);
    const info = JSON.parse(i.stdout) as {
      schema: string;
      accesses: number;
      partial: boolean;
      header: { tool: string };
    };
    assert.equal(info.schema, "damon-ts/trace-info/1");
    assert.equal(info.partial, false);
    assert.equal(info.header.tool, "damontrace");
    assert.ok(info.accesses > 1000);
  },
);

void test("CLI: a command that does not exist is a one-line input error (exit 2)", { skip }, () => {
  const c = cli(["trace", "capture", "-o", join(dir, "none.dtrace"), "--", "/nonexistent/program"]);
  assert.equal(c.status, 2, c.stderr);
  assert.match(c.stderr, /damon-ts: cannot run "\/nonexistent\/program" \(exit 127\)/);
  assert.throws(() => readFileSync(join(dir, "none.dtrace")), /ENOENT/);
});

void test("CLI: without valgrind, one clear error saying how to install it", () => {
  const empty = mkdtempSync(join(dir, "nopath-"));
  const c = cli(["trace", "capture", "-o", join(dir, "x.dtrace"), "--", "/bin/true"], {
    ...process.env,
    PATH: empty,
  });
  assert.equal(c.status, 1);
  assert.match(c.stderr, /apt-get install valgrind/);
  assert.equal(c.stderr.trim().split("\n").length, 1, c.stderr);
});

void test("the tool builds from native/ into a cache folder once, then is reused", { skip: skipTool }, () => {
  const cacheDir = join(dir, "tool-cache");
  const first = chooseTool(valgrind!, { cacheDir });
  assert.equal(first.kind, "damontrace", first.kind === "lackey" ? first.reason : "");
  assert.equal(first.kind === "damontrace" && first.built, true);
  const again = chooseTool(valgrind!, { cacheDir });
  assert.equal(again.kind === "damontrace" && again.built, false);
  assert.equal(again.kind === "damontrace" && again.libDir, first.kind === "damontrace" && first.libDir);
});

void test(
  "where the tool cannot be built (no gcc), capture falls back to lackey and says why",
  { skip },
  () => {
    // A PATH with the shell tools the build script needs, but no gcc.
    const bin = mkdtempSync(join(dir, "bin-"));
    for (const tool of ["bash", "uname", "dirname", "basename", "mkdir", "ln", "valgrind"]) {
      const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const t = chooseTool(valgrind!, { cacheDir: join(dir, "nogcc-cache") });
      assert.equal(t.kind, "lackey");
      assert.match(t.kind === "lackey" ? t.reason : "", /gcc is not installed/);
      assert.match(t.description, /lackey \(slow fallback: gcc is not installed/);
      assert.throws(
        () => chooseTool(valgrind!, { cacheDir: join(dir, "nogcc-cache"), prefer: "damontrace" }),
        /cannot build/,
      );
    } finally {
      process.env.PATH = saved;
    }
  },
);

void test(
  "CLI: Ctrl-C (SIGINT to the whole process group) keeps a partial trace and exits 130",
  { skip },
  async () => {
    const out = join(dir, "ctrlc.dtrace");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(projectRoot(), "src/cli/main.ts"),
        "trace",
        "capture",
        "--progress",
        "-o",
        out,
        "--",
        "/usr/bin/python3",
        "-c",
        "while True: pass",
      ],
      { cwd: projectRoot(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
      // Progress lines come once a second; the second one means the target is well under way.
      if (!sent && (stderr.match(/accesses, /g) ?? []).length >= 2) {
        sent = true;
        process.kill(-child.pid!, "SIGINT"); // what a terminal does on Ctrl-C
      }
    });
    const code = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    assert.ok(sent, stderr);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /PARTIAL trace of \d+ accesses/);
    const info = traceInfo(out);
    assert.equal(info.partial, true);
    assert.ok(info.accesses > 0);
    assert.deepEqual(info.damage, []);
  },
);

void test(
  "a forking program: only the traced process's accesses are recorded, the stream stays intact",
  { skip: skipTool },
  async () => {
    const out = join(dir, "fork.dtrace");
    // The child runs under Valgrind and exits without exec: the tool's exit handler runs in
    // it too, with the parent's output fd and whatever was buffered at the fork.
    const prog =
      "import os\npid = os.fork()\nd = {}\nfor i in range(5000): d[i] = i\nif pid == 0: os._exit(0)\nos.waitpid(pid, 0)\n";
    const r = await captureTrace({
      output: out,
      command: ["/usr/bin/python3", "-S", "-c", prog],
      stdio: "ignore",
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.footer.partial, false);
    const info = traceInfo(out);
    assert.deepEqual(info.damage, []);
    assert.equal(info.threads.length, 1, JSON.stringify(info.threads));
    assert.ok(info.accesses > 10_000);
    // The instruction clock never runs backwards: the child's accesses (whose clock
    // continues from the fork, as the parent's does) did not get into the stream.
    const rd = TraceReader.open(out);
    let prev = -1;
    let backwards = 0;
    for (const item of rd) {
      if (item.kind !== "accesses") continue;
      for (let k = 0; k < item.count; k++) {
        if (item.clock[k] < prev) backwards++;
        prev = item.clock[k];
      }
    }
    rd.close();
    assert.equal(backwards, 0);
  },
);

void test(
  "our tool agrees with valgrind's lackey on the same program (accesses, instructions)",
  { skip: skipTool },
  async () => {
    const ours = join(dir, "true-ours.dtrace");
    const theirs = join(dir, "true-lackey.dtrace");
    await captureTrace({ output: ours, command: ["/bin/true"], stdio: "ignore" });
    await captureTrace({ output: theirs, command: ["/bin/true"], stdio: "ignore", prefer: "lackey" });
    const a = traceInfo(ours);
    const b = traceInfo(theirs);
    // Lackey counts a modify (M) as one load and one store, as we do; it does not see
    // compare-and-swap stores or some helper accesses, so allow 2%.
    assert.ok(Math.abs(a.accesses - b.accesses) / b.accesses < 0.02, `${a.accesses} vs ${b.accesses}`);
    assert.ok(
      Math.abs(a.lastClock - b.lastClock) / b.lastClock < 0.01,
      `${a.lastClock} vs ${b.lastClock} instructions`,
    );
    assert.ok(
      Math.abs(a.footprintPages - b.footprintPages) <= 2,
      `${a.footprintPages} vs ${b.footprintPages} pages`,
    );
  },
);
