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
 *
 * An output that is a symbolic link is written through it: the file it points to
 * is replaced, the link stays. An output that is a device, pipe or socket
 * (`-o /dev/null`, a FIFO) cannot be replaced, only written: it is written in
 * place (renaming over it would swap the device for a plain file).
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants as fsc,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
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

/** Where a write to an output lands (`outputTarget`). */
export interface OutputTarget {
  /** The file written: the output, or the file its symbolic link(s) point to. */
  path: string;
  /** A device, pipe or socket: written in place, not through a temporary file. */
  inPlace: boolean;
  /** One of this process's descriptors (`/dev/stdout`): appended to, as the shell opened it. */
  append?: boolean;
}

/** Names of this process's open descriptors: writes go where the descriptor points. */
const DESCRIPTOR_PATH = /^\/(?:dev\/(?:stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

/** Links followed before an output is refused as a loop (Linux's own limit). */
const MAX_LINKS = 40;

/** Follows `path`'s symbolic links (a dangling one too: its target is created) and says how it is written. */
export function outputTarget(path: string): OutputTarget {
  if (path === "") throw new UsageError("the output file name is empty");
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP")
      throw new UsageError(`cannot write ${path}: too many levels of symbolic links`);
    st = undefined; // the checks below name the problem
  }
  // `-o /dev/stdout > log` must not replace log (nor `>> log` truncate it): written through the descriptor.
  if (st !== undefined && DESCRIPTOR_PATH.test(path)) return { path, inPlace: true, append: true };
  // A device or pipe behind links, some of them not paths (/proc's `pipe:[N]`): written through the name given.
  if (st !== undefined && !st.isFile() && !st.isDirectory()) return { path, inPlace: true };
  let p = path;
  for (let i = 0; ; i++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return { path: p, inPlace: false };
    }
    if (!st.isSymbolicLink()) return { path: p, inPlace: !st.isFile() && !st.isDirectory() };
    if (i === MAX_LINKS) throw new UsageError(`cannot write ${path}: too many levels of symbolic links`);
    p = resolve(dirname(p), readlinkSync(p));
  }
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
export function outputPathProblem(output: string): string | null {
  if (output === "") return "the output file name is empty";
  let target: OutputTarget;
  try {
    target = outputTarget(output);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const path = target.path;
  if (/\/$/.test(output) && !target.inPlace)
    return `cannot write ${output}: the name ends with /, as a folder's does`;
  if (target.inPlace) {
    try {
      accessSync(path, fsc.W_OK);
      return null;
    } catch {
      return `cannot write ${output}: it is not writable`;
    }
  }
  // The temporary file's name is the longest the write needs (most file systems allow 255 bytes).
  if (Buffer.byteLength(basename(tempPathFor(path))) > 255)
    return `cannot write ${output}: the file name is too long (at most ${255 - Buffer.byteLength(basename(tempPathFor("x"))) + 1} bytes here)`;
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
  const target = outputTarget(path);
  // Once per output and process: a command checks its output early, and again as it writes.
  if (reportStale && !target.inPlace && !staleReported.has(resolve(target.path))) {
    staleReported.add(resolve(target.path));
    const stale = staleTempFiles(target.path);
    if (stale.length > 0) reportStale(stale, target.path);
  }
}

const staleReported = new Set<string>();

/** Writes all of `bytes` to `fd`. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
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
export function writeFileAtomic(output: string, data: string | Uint8Array): void {
  checkOutputPath(output);
  const { path, inPlace, append } = outputTarget(output);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  if (inPlace) {
    const fd = openSync(path, append ? "a" : "w");
    try {
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = tempPathFor(path);
  let fd = -1;
  track(tmp);
  try {
    fd = openSync(tmp, "w");
    writeAll(fd, bytes);
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
  /** The temporary file; null when the output is written in place (a device or pipe). */
  private readonly tmp: string | null;
  private readonly path: string;
  private done = false;
  private readonly guard: ChildProcess | null;
  constructor(output: string) {
    checkOutputPath(output);
    const target = outputTarget(output);
    this.path = target.path;
    if (target.inPlace) {
      this.tmp = null;
      this.fd = openSync(this.path, target.append ? "a" : "w");
      this.guard = null;
      return;
    }
    const tmp = tempPathFor(this.path);
    this.tmp = tmp;
    this.fd = openSync(tmp, "w");
    track(tmp);
    this.guard = guard(tmp);
  }
  write(chunk: string | Uint8Array): void {
    writeAll(this.fd, typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  commit(): void {
    if (this.done) return;
    try {
      if (this.tmp === null) {
        this.closeFd();
        this.finish();
        return;
      }
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
      if (this.tmp !== null) rmSync(this.tmp, { force: true });
      this.finish();
    }
  }
  private finish(): void {
    this.done = true;
    if (this.tmp !== null) live.delete(this.tmp);
    this.guard?.kill();
  }
}
