/**
 * `trace capture`: runs a command under valgrind (our damontrace tool, or lackey as a
 * fallback) and converts its output into a trace file while it runs. The target's own
 * stdin/stdout/stderr pass through; the records arrive on an extra pipe (fd 3).
 * An interrupt (SIGINT) stops the target; what was captured is kept and the footer
 * says `partial: true`.
 */
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { UsageError } from "../../util/errors.js";
import { ProcMapsPoller } from "./proc-maps.js";
import { LackeyParser } from "./lackey.js";
import { RawRecordDecoder } from "./raw-records.js";
import { chooseTool, findValgrind, type ToolChoice, type ToolOptions } from "./valgrind-tool.js";
import { createTraceFile, type TraceWriterOptions } from "./writer.js";
import type { TraceFooter } from "./format.js";

/** With lackey, the memory map is read again after this much of its output. */
const MAP_READ_BYTES = 1 << 20;

export interface CaptureProgress {
  accesses: number;
  bytesWritten: number;
  seconds: number;
}

export interface CaptureOptions extends ToolOptions, TraceWriterOptions {
  output: string;
  command: string[];
  /** Called about every `progressMs` while the target runs. */
  onProgress?: (p: CaptureProgress) => void;
  progressMs?: number;
  /** Called once the tool is chosen, before the target starts. */
  onTool?: (t: ToolChoice) => void;
  /** The target's stdio: passed through (default) or ignored (tests). */
  stdio?: "inherit" | "ignore";
  /** Stops the capture as Ctrl-C would (tests, embedding). */
  signal?: AbortSignal;
  /** Listen for SIGINT on this process (the CLI does; library callers usually not). */
  handleSigint?: boolean;
  /** Extra valgrind options (before the command). */
  valgrindArgs?: string[];
}

export interface CaptureResult {
  footer: TraceFooter;
  tool: ToolChoice;
  /** The target's exit code, or null when it ended by a signal. */
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  interrupted: boolean;
  bytesWritten: number;
}

/** Thrown when valgrind is not installed: the message says how to install it. */
export class ValgrindMissing extends Error {
  constructor() {
    super("valgrind is not installed; install it with `apt-get install valgrind` (Debian/Ubuntu) and retry");
    this.name = "ValgrindMissing";
  }
}

export async function captureTrace(opts: CaptureOptions): Promise<CaptureResult> {
  if (opts.command.length === 0)
    throw new UsageError("no command to trace (use: trace capture -o FILE -- CMD ARGS...)");
  const valgrind = findValgrind();
  if (!valgrind) throw new ValgrindMissing();
  const tool = chooseTool(valgrind, opts);
  opts.onTool?.(tool);
  const lackey = tool.kind === "lackey";
  const notes: string[] = [];
  if (lackey)
    notes.push(
      "captured with valgrind lackey: no thread ids (all accesses carry the process id)",
      "memory map read from /proc/PID/maps at the program's first instruction, then every MiB of lackey output and every second (includes some of Valgrind's own anonymous mappings)",
    );
  const file = createTraceFile(
    opts.output,
    {
      tool: tool.kind,
      toolDescription: tool.description,
      clockUnit: "instructions",
      pageSize: 4096,
      command: opts.command,
      startedAt: new Date().toISOString(),
      valgrind: valgrind.version,
      compression: opts.codec ?? "deflate",
      ...(notes.length ? { notes } : {}),
    },
    { chunkAccesses: opts.chunkAccesses, level: opts.level, codec: opts.codec },
  );
  const started = performance.now();
  const vgArgs = lackey
    ? ["--tool=lackey", "--trace-mem=yes", "--log-fd=3", ...(opts.valgrindArgs ?? []), ...opts.command]
    : ["--tool=damontrace", "-q", "--out-fd=3", ...(opts.valgrindArgs ?? []), ...opts.command];
  const env = lackey ? process.env : { ...process.env, VALGRIND_LIB: tool.libDir };
  const io = opts.stdio ?? "inherit";
  const child = spawn("valgrind", vgArgs, { stdio: [io, io, io, "pipe"], env });
  const records = child.stdio[3] as Readable;
  const writer = file.writer;
  let interrupted = false;
  let failure: Error | undefined;
  const raw = lackey
    ? undefined
    : new RawRecordDecoder(writer, tool.kind === "damontrace" ? tool.libDir : undefined);
  const text = lackey ? new LackeyParser(writer, "<lackey>", child.pid ?? 0) : undefined;
  const maps = lackey && child.pid ? new ProcMapsPoller(child.pid) : undefined;
  // The map is read only while the traced program runs: before its first instruction
  // the pid is still the valgrind wrapper script or launcher (or mid-exec), and after
  // the exit it may be reaped and reused. Valgrind blocks once the pipe holds 64 KiB
  // we have not read, so a read made while a chunk is handled sees the program alive
  // unless its whole remaining output fits in the pipe.
  let running = false;
  let exited = false;
  let bytesSinceMapRead = 0;
  child.on("exit", () => {
    exited = true;
  });
  const pollMaps = (): void => {
    if (!maps || !text || !running || exited) return;
    bytesSinceMapRead = 0;
    for (const ev of maps.poll(text.instructions)) writer.event(ev);
  };
  if (text)
    text.onFirstInstruction = () => {
      running = true;
      pollMaps();
    };
  records.on("data", (piece: Buffer) => {
    if (failure) return;
    try {
      if (raw) raw.feed(piece);
      else if (text) {
        bytesSinceMapRead += piece.length;
        if (bytesSinceMapRead >= MAP_READ_BYTES) pollMaps();
        text.feed(piece.toString("latin1"));
      }
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
      child.kill("SIGKILL");
    }
  });
  const stop = (): void => {
    if (interrupted) {
      // A second interrupt: stop at once.
      child.kill("SIGKILL");
      return;
    }
    interrupted = true;
    child.kill("SIGINT");
  };
  const onSigint = (): void => stop();
  if (opts.handleSigint) process.on("SIGINT", onSigint);
  opts.signal?.addEventListener("abort", stop);
  if (opts.signal?.aborted) stop();
  const timer = setInterval(() => {
    pollMaps();
    opts.onProgress?.({
      accesses: writer.accessCount,
      bytesWritten: writer.bytesWritten,
      seconds: (performance.now() - started) / 1000,
    });
  }, opts.progressMs ?? 1000);
  try {
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
      let exit: [number | null, NodeJS.Signals | null] | undefined;
      let ended = false;
      const done = (): void => {
        if (exit && ended) res(exit);
      };
      child.on("error", rej);
      child.on("exit", (c, s) => {
        exit = [c, s];
        done();
      });
      records.on("close", () => {
        ended = true;
        done();
      });
    });
    if (failure) throw failure;
    raw?.end();
    text?.end();
    const toolOk = raw ? raw.sawEnd : true;
    if (raw && writer.accessCount === 0 && !raw.sawEnd && !interrupted && (code === 126 || code === 127))
      throw new UsageError(
        `cannot run ${JSON.stringify(opts.command[0])} (exit ${code}); see valgrind's message above`,
      );
    if (raw && writer.accessCount === 0 && !raw.sawEnd && !interrupted)
      throw new Error(
        `valgrind produced no records (exit ${code ?? sig}); see valgrind's messages above. Try --tool lackey to use the fallback`,
      );
    const partial = interrupted || sig !== null || !toolOk;
    const endReason = sig !== null ? `signal ${sig}` : `exit ${code}`;
    const footer = file.commit({
      ...(maps && maps.reads === 0
        ? {
            notes: [
              "no memory map: the program ended before /proc/PID/maps could be read (its whole lackey output fit in the pipe) or never started",
            ],
          }
        : {}),
      partial,
      endReason: interrupted ? `interrupted (${endReason})` : endReason,
      wallSeconds: (performance.now() - started) / 1000,
    });
    return {
      footer,
      tool,
      exitCode: code,
      exitSignal: sig,
      interrupted,
      bytesWritten: writer.bytesWritten,
    };
  } catch (e) {
    file.abort();
    throw e;
  } finally {
    clearInterval(timer);
    if (opts.handleSigint) process.off("SIGINT", onSigint);
    opts.signal?.removeEventListener("abort", stop);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
