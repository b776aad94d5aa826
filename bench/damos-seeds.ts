/**
 * A DAMOS preset over several seeds: runs `damon-ts run ... --seed N --json`
 * once per seed (the exact command docs/damos.md gives, plus the seed), and
 * prints the per-seed outcome, the median and the worst seed, and whether the
 * goal holds for the worst (docs/damos.md): tiering within 5 % of the oracle;
 * reclaim at least 20 % memory saved at no more than 3 % slowdown. Exits 1 when
 * the goal fails for some seed.
 *
 *   npx tsx bench/damos-seeds.ts [--seeds 1-5] [--jobs 1] [--access-ns N] -- run zipf-kv --preset tiering ...
 *
 * `--access-ns N` runs each seed in-process at N ns per access instead
 * (bench/damos-preset-seed.ts: fewer accesses per virtual second, no machine
 * profile), for long runs on a loaded host. `--from A.json,B.json,...` runs
 * nothing and summarizes saved `run ... --seed N --json` outputs (seeds run as
 * separate processes, e.g. under `nice`, a few at a time).
 *
 *   npx tsx bench/damos-seeds.ts --from seed1.json,seed2.json
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { summarizeSeeds, type SeedOutcome, type SeedSummary } from "../src/eval/damos-seeds.js";
import { fmtPct, formatTable } from "../src/cli/table.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--seeds: '${part}' is not N or N-M`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/** Shares as percents, the rest with two decimals. */
function fmt(name: string, v: number | null): string {
  if (v === null) return "n/a";
  if (name.startsWith("migrated") || name === "refaults") return v.toFixed(name === "refaults" ? 0 : 2);
  return fmtPct(v, 2);
}

function render(t: SeedSummary): string {
  const head = ["measure", ...t.seeds.map((s) => `seed ${s}`), "median", "worst"];
  const rows = t.measures.map((m) => [
    m.name,
    ...m.values.map((v) => fmt(m.name, v)),
    fmt(m.name, m.median),
    fmt(m.name, m.worst),
  ]);
  const verdict = !t.hasGoal
    ? "no goal for this preset"
    : t.failing.length === 0
      ? "goal holds for every seed (and so for the worst)"
      : `goal FAILS for seed(s) ${t.failing.join(", ")}`;
  return `${formatTable(head, rows)}

${verdict}`;
}

/** One saved `damon-ts run ... --seed N --json` output as a seed's outcome. */
function readSeed(file: string): SeedOutcome {
  let j: { runs?: { seed?: unknown; damos?: SeedOutcome["damos"] }[] };
  try {
    j = JSON.parse(readFileSync(file, "utf8")) as typeof j;
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const run = j.runs?.[0];
  if (!run || typeof run.seed !== "number")
    throw new Error(`${file}: runs[0].seed: not a \`run --json\` output`);
  return { seed: run.seed, damos: run.damos ?? null };
}

function runSeed(args: string[], seed: number, accessNs: number | null): Promise<SeedOutcome> {
  const argv =
    accessNs === null
      ? ["src/cli/main.ts", ...args, "--seed", String(seed), "--json"]
      : ["bench/damos-preset-seed.ts", String(seed), String(accessNs), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`seed ${seed}: exit ${code}: ${err.trim()}`));
      const j = JSON.parse(out) as { runs: { damos: SeedOutcome["damos"] }[] };
      resolve({ seed, damos: j.runs[0].damos });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf("--");
  // Without `--`: either the run command alone or our own options alone (--from).
  const bare = argv[0] === "run";
  const own = dash >= 0 ? argv.slice(0, dash) : bare ? [] : argv;
  const args = dash >= 0 ? argv.slice(dash + 1) : bare ? argv : [];
  let seeds = [1, 2, 3, 4, 5];
  let jobs = 1;
  let accessNs: number | null = null;
  let from: string[] | null = null;
  for (let i = 0; i < own.length; i++) {
    if (own[i] === "--seeds") seeds = parseSeeds(own[++i] ?? "");
    else if (own[i] === "--jobs") jobs = Math.max(1, Number(own[++i]));
    else if (own[i] === "--access-ns") accessNs = Number(own[++i]);
    else if (own[i] === "--from") from = (own[++i] ?? "").split(",").filter(Boolean);
    else
      throw new Error(
        `unknown option ${own[i]} (--seeds, --jobs, --access-ns, then -- and the run command; or --from FILES)`,
      );
  }
  if (from) {
    const results = from.map(readSeed).sort((a, b) => a.seed - b.seed);
    const t = summarizeSeeds(results);
    console.log(`saved outputs: ${from.join(", ")}  (seeds ${t.seeds.join(", ")})\n`);
    console.log(render(t));
    if (t.failing.length > 0) process.exitCode = 1;
    return;
  }
  if (args[0] !== "run")
    throw new Error("give the run command after --, e.g. -- run zipf-kv --preset tiering");
  const results: SeedOutcome[] = [];
  const queue = [...seeds];
  await Promise.all(
    Array.from({ length: Math.min(jobs, seeds.length) }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        const r = await runSeed(args, s, accessNs);
        process.stderr.write(`seed ${s} done\n`);
        results.push(r);
      }
    }),
  );
  results.sort((a, b) => a.seed - b.seed);
  const t = summarizeSeeds(results);
  const how = accessNs === null ? "" : `, in-process at ${accessNs} ns per access`;
  console.log(`damon-ts ${args.join(" ")}  (seeds ${seeds.join(", ")}${how})\n`);
  console.log(render(t));
  if (t.failing.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 2;
});
