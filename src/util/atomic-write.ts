/**
 * Files we write are written to a temporary name in the same folder and renamed,
 * so an interrupted run never leaves a truncated file (CONVENTIONS.md).
 *
 * The temporary file (`.NAME.tmp-PID`) must not outlive its writer either:
 * - on a normal exit (including `process.exit` after an error) an `exit` hook
 *   removes every temporary file still open;
 * - on SIGINT/SIGTERM (and SIGKILL) the process dies at once, even in the middle
 *   of a long synchronous simulation, where a JavaScript signal handler would not
 *   run until the work ended. So a streamed writer starts a tiny guard process
 *   (`sh`, in its own process group, so Ctrl-C does not reach it) that waits for
 *   this process to end and then removes the temporary file if it is still there.
 *   The guard is stopped when the writer commits or aborts.
 * - what survives anyway (power loss, a guard killed too) is reported when a later
 *   writer starts on the same output (`staleTempFiles`, `setStaleTempReporter`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants as fsc,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "./errors.js";

/** Temporary files currently open for writing (removed by the exit hook). */
const live = new Set<string>();
let exitHook = false;

function track(tmp: string): void {
  live.add(tmp);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const t of live) rmSync(t, { force: true });
      live.clear();
    });
  }
}

/** The temporary name a writer of `path` in this process uses. */
export function tempPathFor(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.tmp-${pid}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temporary files of `path` left by processes that no longer run (a killed earlier run). */
export function staleTempFiles(path: string): { file: string; bytes: number }[] {
  const dir = dirname(resolve(path));
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { file: string; bytes: number }[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pidText = n.slice(prefix.length);
    if (!/^[0-9]+$/.test(pidText)) continue;
    const pid = Number(pidText);
    if (pid === process.pid || isAlive(pid)) continue;
    const file = join(dirname(path), n);
    try {
      out.push({ file, bytes: statSync(file).size });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

let reportStale: ((stale: { file: string; bytes: number }[], path: string) => void) | null = null;

/**
 * Registers who is told about stale temporary files when a writer starts (the CLI
 * prints them; library code stays silent by default).
 */
export function setStaleTempReporter(
  f: ((stale: { file: string; bytes: number }[], path: string) => void) | null,
): void {
  reportStale = f;
}

/**
 * Why `path` cannot be written (it is a directory, its folder is missing, not a
 * folder or not writable), or null when it can.
 */
export function outputPathProblem(path: string): string | null {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) return `cannot write ${path}: it is a directory`;
  let dst;
  try {
    dst = statSync(dir);
  } catch {
    return `cannot write ${path}: folder ${dir} does not exist`;
  }
  if (!dst.isDirectory()) return `cannot write ${path}: ${dir} is not a folder`;
  try {
    accessSync(dir, fsc.W_OK);
  } catch {
    return `cannot write ${path}: folder ${dir} is not writable`;
  }
  return null;
}

/**
 * Checks before any work that `path` can be written (outputPathProblem); throws a
 * UsageError naming the real problem, and reports stale temp files of `path`.
 */
export function checkOutputPath(path: string): void {
  const problem = outputPathProblem(path);
  if (problem !== null) throw new UsageError(problem);
  if (reportStale) {
    const stale = staleTempFiles(path);
    if (stale.length > 0) reportStale(stale, path);
  }
}

/** Starts the guard that removes `tmp` once this process has ended (null if it cannot start). */
function guard(tmp: string): ChildProcess | null {
  try {
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        'while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; rm -f -- "$2"',
        "guard",
        String(process.pid),
        tmp,
      ],
      { detached: true, stdio: "ignore" },
    );
    child.on("error", () => undefined);
    child.unref();
    return child;
  } catch {
    return null;
  }
}

/** Writes `data` to `path` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  checkOutputPath(path);
  const tmp = tempPathFor(path);
  let fd = -1;
  track(tmp);
  try {
    fd = openSync(tmp, "w");
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    const f = fd;
    fd = -1;
    closeSync(f);
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    live.delete(tmp);
  }
}

/**
 * An atomic writer for streamed output: write chunks, then `commit()` renames the
 * temporary file into place; `abort()` removes it. A failed commit removes the
 * temporary file and throws the real error (abort after it does nothing).
 */
export class AtomicFileWriter {
  private fd: number;
  private readonly tmp: string;
  private done = false;
  private readonly guard: ChildProcess | null;
  constructor(private readonly path: string) {
    checkOutputPath(path);
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, "w");
    track(this.tmp);
    this.guard = guard(this.tmp);
  }
  write(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }
  commit(): void {
    if (this.done) return;
    try {
      fsyncSync(this.fd);
      this.closeFd();
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.cleanUp();
      throw e;
    }
    this.finish();
  }
  abort(): void {
    if (this.done) return;
    this.cleanUp();
  }
  /** Closes the descriptor once (a second close would throw EBADF and hide the real error). */
  private closeFd(): void {
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    closeSync(fd);
  }
  private cleanUp(): void {
    try {
      this.closeFd();
    } finally {
      rmSync(this.tmp, { force: true });
      this.finish();
    }
  }
  private finish(): void {
    this.done = true;
    live.delete(this.tmp);
    this.guard?.kill();
  }
}
