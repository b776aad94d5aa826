/**
 * A/B of the whole simulator between an older tree and this one in instructions
 * per access, counted by valgrind's cachegrind, which the host's load does not
 * change (CPU time on this shared 2-core host varies by ±10 % between runs of the
 * same code). V8 makes that count noisy too: which code it ends with depends on
 * when its background compiles finish (runs of the same code gave 253 and 278
 * instructions per access), so node runs with `--predictable` (compiles on the
 * main thread, same code every run), and the count is that of one steady round:
 * a process running R + 1 simulations minus one running R, over one simulation's
 * accesses, so start-up and the first compiles cancel out. It also checks that
 * both trees give the same results (as bench/sim-ab.ts).
 *
 *   npx tsx bench/sim-ir.ts OLD-TREE [workload] [profile] [time-scale]
 *
 * Needs valgrind. Each tree costs two runs under valgrind (about 50 times slower
 * than native): keep the time scale small (default 0.005).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTree, runCase } from "./sim-tree.js";

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === "--child") {
  // One process under valgrind: `rounds` simulations, the same each time.
  const [, root, workload, profile, scale, rounds] = args;
  const t = await loadTree(root);
  let r = { accesses: 0, fingerprint: "" };
  for (let k = 0; k < Number(rounds); k++)
    r = runCase(t, { workload, profile, timeScale: Number(scale), tlb: true });
  console.log(JSON.stringify({ accesses: r.accesses, fingerprint: r.fingerprint }));
} else {
  const [oldRoot, workload = "stairs", profile = "default", scale = "0.005"] = args;
  if (!oldRoot) {
    console.error("usage: npx tsx bench/sim-ir.ts OLD-TREE [workload] [profile] [time-scale]");
    process.exit(2);
  }
  const counted = (
    root: string,
    rounds: number,
  ): Promise<{ ir: number; accesses: number; fingerprint: string }> =>
    new Promise((done, fail) => {
      const argv = [
        "--tool=cachegrind",
        "--cache-sim=no",
        "--smc-check=all-non-file",
        "--cachegrind-out-file=/dev/null",
      ];
      const node = [
        process.execPath,
        "--predictable",
        "--import",
        "tsx",
        self,
        "--child",
        root,
        workload,
        profile,
        scale,
      ];
      const p = spawn("valgrind", [...argv, ...node, String(rounds)], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("error", (e) => fail(new Error(`valgrind: ${e.message}`)));
      p.on("close", (code) => {
        const m = /I\s+refs:\s+([\d,]+)/.exec(err);
        if (code !== 0 || m === null)
          return fail(new Error(`valgrind run failed (exit ${code}): ${err.trim().split("\n").pop()}`));
        const r = JSON.parse(out.trim().split("\n").pop()!) as { accesses: number; fingerprint: string };
        done({ ir: Number(m[1].replaceAll(",", "")), ...r });
      });
    });
  /** Instructions per access of one steady round (3 simulations minus 2), and its results. */
  const steady = async (root: string): Promise<{ perAccess: number; fingerprint: string }> => {
    const [a, b] = await Promise.all([counted(root, 2), counted(root, 3)]);
    if (a.fingerprint !== b.fingerprint) throw new Error(`${root}: rounds gave different results`);
    return { perAccess: (b.ir - a.ir) / b.accesses, fingerprint: b.fingerprint };
  };
  try {
    const old = await steady(resolve(oldRoot));
    const cur = await steady(resolve("."));
    console.log(
      `${workload}, ${profile} machine, TLB on, truth on, time scale ${scale}, instructions per access:`,
    );
    console.log(
      `  old ${old.perAccess.toFixed(1)}  new ${cur.perAccess.toFixed(1)}  new/old ${(cur.perAccess / old.perAccess).toFixed(3)}`,
    );
    const same = old.fingerprint === cur.fingerprint;
    console.log(`  same results (old = new): ${same}`);
    if (!same) process.exitCode = 1;
  } catch (e) {
    console.error(`sim-ir: ${(e as Error).message}`);
    process.exit(1);
  }
}
