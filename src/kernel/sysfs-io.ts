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
 * Reads through `base` (when the tree exists) but only prints writes. Because nothing
 * is written, `nr_*` writes create no directories: existence checks of files below a
 * directory the plan would create answer "present".
 */
export function dryRunIo(base: SysfsIo, print: (line: string) => void): SysfsIo {
  return {
    read: (path) => base.read(path),
    write: (path, value) => print(`echo ${shellQuote(value)} > ${path}`),
    exists: () => true,
    list: (path) => base.list(path),
  };
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./,:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
