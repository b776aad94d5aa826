/**
 * The CLI's side of temporary-file hygiene (util/atomic-write.ts): when a command
 * starts writing an output, it says where temporary files of that output left by a
 * killed earlier run lie, so the user can remove them (they are never removed
 * silently: another machine's process could own them on a shared folder).
 */
import { setStaleTempReporter } from "./atomic-write.js";

/** Makes every writer print one stderr line per output that has stale temporary files. */
export function reportStaleTempFiles(write: (line: string) => void = (l) => process.stderr.write(l)): void {
  setStaleTempReporter((stale, path) => {
    const list = stale.map((s) => `${s.file} (${s.bytes} bytes)`).join(", ");
    write(
      `damon-ts: note: ${stale.length} temporary file(s) of ${path} left by a killed earlier run: ${list}; remove them\n`,
    );
  });
}
