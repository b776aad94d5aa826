/**
 * Page-fault samples of a live process from `perf`: one sample per fault
 * (`-e page-faults -c 1`) with its data address, CPU, thread and time, streamed
 * as `perf record -o - | perf script -i -` (pipe mode, so nothing is written to
 * disk). Times are CLOCK_MONOTONIC (`-k`), the clock the live kdamond runs on.
 * `--no-buffering` wakes perf per sample, so samples arrive within milliseconds
 * instead of when a half-full buffer flushes; a 4 MiB ring (`-m 1024`, root
 * only: others are capped by perf_event_mlock_kb) keeps bursts from being lost.
 * Parsed samples go into a growable ring of typed arrays (no object per sample).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

export interface PerfAvailability {
  ok: boolean;
  /** Why not, with what to do about it. */
  reason?: string;
}

/** Whether `perf` can sample page faults of a process we own, and if not why. */
export function probePerf(perfPath = "perf"): PerfAvailability {
  const v = spawnSync(perfPath, ["--version"], { encoding: "utf8" });
  if (v.error || v.status !== 0) {
    return { ok: false, reason: "perf is not installed (Debian: apt-get install linux-perf)" };
  }
  const r = spawnSync(
    perfPath,
    ["record", "-q", "-e", "page-faults", "-c", "1", "-d", "-o", "/dev/null", "--", "true"],
    {
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  if (r.status === 0) return { ok: true };
  const paranoid = readParanoid();
  const err = (r.stderr || "").trim().split("\n")[0] ?? "";
  if (/permission|paranoid|EACCES|not permitted/i.test(r.stderr || "")) {
    return {
      ok: false,
      reason:
        `perf is not allowed to sample (kernel.perf_event_paranoid = ${paranoid ?? "?"}); ` +
        "run as root or ask the administrator to lower it (damon-ts never changes it)",
    };
  }
  return { ok: false, reason: `perf record failed: ${err || `exit ${r.status}`}` };
}

export function readParanoid(): number | null {
  try {
    return Number(readFileSync("/proc/sys/kernel/perf_event_paranoid", "utf8").trim());
  } catch {
    return null;
  }
}

export interface PerfFaultSourceOptions {
  pid: number;
  perfPath?: string;
  /** Called with every sample as parsed (monotonic ns, address, tid, cpu). */
  onSample: (timeNs: number, addr: number, tid: number, cpu: number) => void;
}

/** A running `perf record | perf script` pair attached to one process. */
export class PerfFaultSource {
  readonly record: ChildProcess;
  readonly script: ChildProcess;
  /** Lines perf script printed that were not samples (kept for error messages). */
  readonly stderr: string[] = [];
  samples = 0;
  badLines = 0;
  /** perf's own count of lost samples/chunks, when it reports one. */
  lostReport = "";
  private partial = "";
  readonly done: Promise<void>;

  constructor(o: PerfFaultSourceOptions) {
    const perf = o.perfPath ?? "perf";
    const args = ["record", "-e", "page-faults", "-c", "1", "-d", "--sample-cpu", "-k", "CLOCK_MONOTONIC"];
    args.push(...(process.env.PERF_ARGS ?? "--no-buffering").split(" ").filter(Boolean));
    if (process.getuid?.() === 0) args.push("-m", "1024");
    // Start disabled and enable through the control fds (3: commands in, 4: acks out):
    // perf needs a few hundred ms to set up after opening its events, and `enable`
    // returns only once they count, so the target can be started without losing faults.
    args.push("-D", "-1", "--control", "fd:3,4");
    args.push("-p", String(o.pid), "-o", "-");
    this.record = spawn(perf, args, { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"] });
    // stdbuf: perf script's stdout is a pipe, which stdio would buffer in 4 KiB blocks.
    const scriptArgs = ["script", "-i", "-", "-F", "tid,cpu,time,addr", "--ns"];
    const hasStdbuf = spawnSync("stdbuf", ["--version"]).status === 0;
    this.script = hasStdbuf
      ? spawn("stdbuf", ["-oL", perf, ...scriptArgs], { stdio: ["pipe", "pipe", "pipe"] })
      : spawn(perf, scriptArgs, { stdio: ["pipe", "pipe", "pipe"] });
    this.record.stdout!.pipe(this.script.stdin!);
    // perf script exits when the pipe closes; a broken pipe on its side is not our error.
    this.script.stdin!.on("error", () => {});
    const keepErr = (b: Buffer): void => {
      for (const l of b.toString("utf8").split("\n")) {
        const t = l.trim();
        if (t === "") continue;
        if (/lost/i.test(t)) this.lostReport = t;
        if (this.stderr.length < 50) this.stderr.push(t);
      }
    };
    this.record.stderr!.on("data", keepErr);
    this.script.stderr!.on("data", keepErr);
    this.script.stdout!.setEncoding("utf8");
    this.script.stdout!.on("data", (s: string) => this.parse(s, o.onSample));
    this.done = new Promise((resolve) => {
      let n = 0;
      const fin = (): void => {
        if (++n === 2) resolve();
      };
      this.record.on("close", fin);
      this.script.on("close", fin);
      this.record.on("error", (e) => {
        this.stderr.push(String(e));
      });
      this.script.on("error", (e) => {
        this.stderr.push(String(e));
      });
    });
  }

  /** Lines look like ` 2451 [001] 4089.281867123:     7fbc5a496110`. */
  private parse(s: string, on: PerfFaultSourceOptions["onSample"]): void {
    const text = this.partial + s;
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      const m = LINE.exec(line);
      if (m === null) {
        if (line.trim() !== "") this.badLines++;
        continue;
      }
      const tid = Number(m[1]);
      const cpu = Number(m[2]);
      const timeNs = Number(m[3]) * 1e9 + Number(m[4]);
      const addr = parseInt(m[5], 16);
      this.samples++;
      on(timeNs, addr, tid, cpu);
    }
    this.partial = text.slice(start);
  }

  /**
   * Turns the events on and resolves once perf acknowledges (they count from
   * then on); false when perf exits or does not answer within `timeoutMs`.
   */
  enable(timeoutMs = 15_000): Promise<boolean> {
    const ctl = this.record.stdio[3] as Writable | null;
    const ack = this.record.stdio[4] as Readable | null;
    if (!ctl || !ack) return Promise.resolve(false);
    return new Promise((resolve) => {
      let got = "";
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        ack.off("data", onData);
        this.record.off("exit", onExit);
        resolve(ok);
      };
      const onData = (b: Buffer): void => {
        got += b.toString("utf8");
        if (got.includes("ack")) done(true);
      };
      const onExit = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      ack.on("data", onData);
      this.record.once("exit", onExit);
      ctl.on("error", () => done(false));
      ctl.write("enable\n");
    });
  }

  /** Stops perf (SIGINT to perf record, which flushes and exits; perf script follows). */
  stop(): void {
    if (this.record.exitCode === null && this.record.signalCode === null) this.record.kill("SIGINT");
  }
}

const LINE = /^\s*(\d+)\s+\[(\d+)\]\s+(\d+)\.(\d{9}):\s+([0-9a-fA-F]+)\s*$/;
