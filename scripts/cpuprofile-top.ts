/**
 * Lists the functions with the most self time in a V8 .cpuprofile (as written by
 * `node --cpu-prof`), so a profile can be read without a browser.
 *
 *   npx tsx scripts/cpuprofile-top.ts FILE.cpuprofile [how-many]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, howMany = "25"] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx scripts/cpuprofile-top.ts FILE.cpuprofile [how-many]");
  process.exit(2);
}
let prof: Profile;
try {
  prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
} catch (e) {
  console.error(`${file}: cannot read a CPU profile: ${(e as Error).message}`);
  process.exit(1);
}
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
// Self time per sample: the delta before the next sample is attributed to this one.
const self = new Map<string, number>();
let total = 0;
for (let k = 0; k < prof.samples.length; k++) {
  const n = byId.get(prof.samples[k]);
  const dt = prof.timeDeltas[k + 1] ?? 0;
  if (!n) continue;
  const f = n.callFrame;
  const where = f.url
    ? `${f.url.replace(/^.*\/(src|node_modules|bench|dist)\//, "$1/")}:${f.lineNumber + 1}`
    : "";
  const key = `${f.functionName || "(anonymous)"} ${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(howMany));
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
for (const [k, us] of rows)
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(6)} s  ${k}`,
  );
