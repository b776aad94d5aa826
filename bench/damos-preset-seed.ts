/**
 * One seed of a DAMOS preset run in-process (runPreset, src/eval/damos-seeds.ts)
 * with a chosen access cost, printing the JSON shape `damon-ts run --json` has
 * (`{ runs: [{ damos }] }`). bench/damos-seeds.ts uses it for `--access-ns N`:
 * a 30 s 1/8-size reclaim run costs minutes of CPU per seed at the default 10 ns
 * per access; at 50 ns it does a fifth of the accesses in the same virtual time
 * (as test/eval/damos.test.ts does). Not the CLI's machine: no machine profile.
 *
 *   npx tsx bench/damos-preset-seed.ts SEED ACCESS_NS run WORKLOAD --preset P --memory SIZE
 *       [--fast-memory SIZE] [--scale F] [--time-scale F] [--tlb on|off] [--no-baseline]
 */
import { runPreset } from "../src/eval/damos-seeds.js";
import { parseSizeBytes } from "../src/util/units.js";
import { resolveWorkload } from "../src/workload/builtins.js";

function main(): void {
  const [seedText, nsText, run, workload, ...rest] = process.argv.slice(2);
  if (run !== "run" || !workload)
    throw new Error("usage: SEED ACCESS_NS run WORKLOAD --preset P --memory SIZE ...");
  const opt = new Map<string, string>();
  let baseline = true;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--no-baseline") baseline = false;
    else if (["--preset", "--memory", "--fast-memory", "--scale", "--time-scale", "--tlb"].includes(rest[i]))
      opt.set(rest[i], rest[++i] ?? "");
    else
      throw new Error(
        `${rest[i]}: not supported in-process (--preset, --memory, --fast-memory, --scale, --time-scale, --tlb, --no-baseline)`,
      );
  }
  const scale = Number(opt.get("--scale") ?? 1);
  const timeScale = opt.has("--time-scale") ? Number(opt.get("--time-scale")) : undefined;
  const w = resolveWorkload(workload, { scale, timeScale });
  const fast = opt.get("--fast-memory");
  const out = runPreset(w, opt.get("--preset") ?? "", {
    memoryBytes: parseSizeBytes(opt.get("--memory") ?? "", "--memory"),
    fastMemoryBytes: fast === undefined ? undefined : parseSizeBytes(fast, "--fast-memory"),
    seed: Number(seedText),
    localAccessNs: Number(nsText),
    baseline,
    tlb: (opt.get("--tlb") ?? "on") === "on",
  });
  console.log(JSON.stringify({ runs: [{ damos: out.damos }] }));
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 2;
}
