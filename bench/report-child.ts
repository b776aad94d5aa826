/**
 * Runs one `damon-ts` command in this process and reports its own wall time and
 * peak RSS on stderr as JSON (used by bench/report.ts, one child per command).
 */
import { resourceUsage } from "node:process";

const t0 = performance.now();
const args = process.argv.slice(2);
process.on("exit", () => {
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`\nBENCH ${JSON.stringify({ seconds, maxRssMb: resourceUsage().maxRSS / 1024 })}\n`);
});
if (args[0] === "--inflate-only") {
  const { createReadStream } = await import("node:fs");
  const { createInflate } = await import("node:zlib");
  let n = 0;
  const z = createReadStream(args[1], { highWaterMark: 1 << 20 }).pipe(createInflate({ chunkSize: 1 << 20 }));
  for await (const c of z) n += (c as Buffer).length;
  process.stderr.write(`inflated ${n} bytes\n`);
} else {
  process.argv = [process.argv[0], "damon-ts", ...args];
  await import("../src/cli/main.js");
}
