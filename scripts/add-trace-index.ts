/**
 * Adds the access index (format 1.1) to traces written without one, in place, so a
 * replay scans them without decoding every access (docs/replay.md). Every other
 * byte of the file stays as it was.
 *
 *   npx tsx scripts/add-trace-index.ts FILE.dtrace...
 */
import { requireInputFile } from "../src/cli/files.js";
import { InputError } from "../src/util/errors.js";
import { addTraceIndex } from "../src/workload/trace/add-index.js";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npx tsx scripts/add-trace-index.ts FILE.dtrace...");
  process.exit(2);
}
for (const f of files) {
  try {
    requireInputFile(f, "trace file");
    console.log(`${f}: ${addTraceIndex(f) ? "index added" : "already has an index"}`);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Bad input (a missing file, not a trace, damaged, cut short): one line, exit 2.
    console.error(e.message);
    process.exit(2);
  }
}
