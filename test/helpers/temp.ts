/**
 * Temporary folders for tests, removed when the test process exits — also when an
 * assertion failed halfway — so test runs leave nothing behind in the temp dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** Removes every folder `tempDir` made so far. */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh folder `<tmpdir>/<prefix>XXXXXX`, removed at process exit. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once("exit", removeTempDirs);
  made.push(d);
  return d;
}
