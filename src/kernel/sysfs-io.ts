/**
 * The file operations the sysfs backend needs, behind an interface so tests run on
 * a fake tree in a temporary directory and `--dry-run` can print writes instead of
 * doing them. Paths are absolute.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";

export interface SysfsIo {
  /** File content without the trailing newline. */
  read(path: string): string;
  /** Writes a value; throws an Error with `code` (errno name) as the kernel returns it. */
  write(path: string, value: string): void;
  exists(path: string): boolean;
  /** Entry names of a directory (empty if it does not exist). */
  list(path: string): string[];
}

/** Real file operations. Writes go straight to the file: sysfs files are not replaced by rename. */
export const fsSysfsIo: SysfsIo = {
  read: (path) => readFileSync(path, "utf8").replace(/\n$/, ""),
  // Sysfs attributes take one write(2) of the whole value; no atomic-rename here (it would not work on sysfs).
  write: (path, value) => writeFileSync(path, value),
  exists: (path) => existsSync(path),
  list: (path) => (existsSync(path) ? readdirSync(path) : []),
};

/**
 * Reads through `base` but only prints writes. A file that exists in `base` exists;
 * a file missing from a directory that exists is missing (an optional file of a newer
 * kernel, say). Because nothing is written, `nr_*` writes create no numbered
 * directories: only below such a not-yet-created directory (`kdamonds/0/...` on a tree
 * with no kdamonds), or when there is no tree at `root` at all, is existence unknown,
 * and then it answers "present".
 */
export function dryRunIo(base: SysfsIo, print: (line: string) => void, root?: string): SysfsIo {
  const noTree = root !== undefined && !base.exists(`${root}/kdamonds/nr_kdamonds`);
  return {
    read: (path) => base.read(path),
    write: (path, value) => print(`echo ${shellQuote(value)} > ${path}`),
    exists: (path) => base.exists(path) || noTree || belowPlannedDirectory(base, path),
    list: (path) => base.list(path),
  };
}

/** Whether the first missing component of `path` is a numbered directory an `nr_*` write would create. */
function belowPlannedDirectory(base: SysfsIo, path: string): boolean {
  const parts = path.split("/");
  for (let i = parts.length - 1; i > 0; i--) {
    const dir = parts.slice(0, i).join("/") || "/";
    if (base.exists(dir)) return i < parts.length - 1 && /^[0-9]+$/.test(parts[i]);
  }
  return false;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./,:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
