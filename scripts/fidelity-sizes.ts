/**
 * The fidelity-at-every-size matrix of docs/fidelity.md ("Hot-set sizes and machine
 * profiles"): stairs (3 regions) and zigzag (2 regions) shapes with hot regions of
 * 1..128 MiB, each run once in the qemu guest (saved as JSON under --guest-dir, reused
 * when present) and then simulated with the chosen machine profile(s) against that
 * one guest run. Prints one table row per (shape, size, profile).
 *
 *   npx tsx scripts/fidelity-sizes.ts [--guest-dir DIR] [--sizes 1,2,4] [--shapes stairs,zigzag]
 *                                     [--profiles guest,server] [--guest-only]
 *
 * Runs the guests one after another (qemu TCG is slow on a shared host).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runFidelity, type FidelityReport } from "../src/fidelity/run.js";
import { fidelityWorkload, type FidelityWorkload } from "../src/fidelity/shapes.js";
import { MACHINE_PROFILES, machineOptionsFor, type MachineProfileName } from "../src/mm/machine-profile.js";
import { writeFileAtomic } from "../src/util/atomic-write.js";
import { runVm, type VmRunResult } from "../src/vm/run.js";

const MiB = 2 ** 20;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const guestDir = arg("--guest-dir", "/tmp/damon-ts-fidelity-sizes");
const sizes = arg("--sizes", "1,2,4,8,32,128").split(",").map(Number);
const shapes = arg("--shapes", "stairs,zigzag").split(",");
const profiles = arg("--profiles", "guest").split(",") as MachineProfileName[];
for (const p of profiles) if (!(p in MACHINE_PROFILES)) throw new Error(`unknown profile ${p}`);
const guestOnly = process.argv.includes("--guest-only");

/**
 * Stairs: 3 regions, 1 s warm-up, 6 s per step (19 s); zigzag: 2 regions, 1 s warm-up,
 * 4 phases of 5 s (21 s). Longer phases than `damon-ts fidelity stairs` because on a
 * loaded host the guest's kdamond aggregates every 0.3-1 s instead of 0.1 s.
 */
export function sizedWorkload(shape: string, mib: number): FidelityWorkload {
  const shapeOpts =
    shape === "stairs"
      ? { regions: 3, regionBytes: mib * MiB, initialMs: 1000, phaseMs: 6000 }
      : { regionBytes: mib * MiB, phases: 4, initialMs: 1000, phaseMs: 5000 };
  const w = fidelityWorkload(shape, { shape: shapeOpts });
  return { ...w, name: `${shape}-${mib}MiB` };
}

const say = (m: string) => process.stderr.write(`${m}\n`);
mkdirSync(guestDir, { recursive: true });

const rows: string[] = [];
for (const shape of shapes) {
  for (const mib of sizes) {
    const w = sizedWorkload(shape, mib);
    const file = join(guestDir, `${w.name}.json`);
    let guest: VmRunResult;
    if (existsSync(file)) {
      guest = JSON.parse(readFileSync(file, "utf8")) as VmRunResult;
    } else {
      say(`guest run ${w.name}`);
      const total = (shape === "stairs" ? 3 : 2) * mib;
      guest = await runVm({
        workloadText: w.text,
        // the guest stops monitoring when the workload ends; big regions overrun their phases under TCG
        durationMs: w.durationMs * 2 + 20_000,
        memoryMiB: Math.max(512, 256 + 2 * total),
        progress: say,
      });
      writeFileAtomic(file, JSON.stringify(guest));
      say(
        `wrote ${file} (${guest.snapshots.length} snapshots, ${(guest.timings.totalMs / 1000).toFixed(1)} s)`,
      );
    }
    if (guestOnly) continue;
    for (const p of profiles) {
      const r: FidelityReport = await runFidelity({
        workload: w,
        guestRun: guest,
        machine: machineOptionsFor(p),
      });
      const mk = r.wss.kernel[2];
      const ms = r.wss.simulator[2];
      const rel = mk === null || ms === null || mk === 0 ? null : Math.abs(ms - mk) / mk;
      const judged = r.phases.filter((x) => x.expected !== null);
      const same = judged.filter((x) => x.same).length;
      const f = (v: number | null) => (v === null ? "-" : (v / MiB).toFixed(3));
      const row = `| ${w.name} | ${p} | ${f(mk)} / ${f(ms)} MiB | ${rel === null ? "-" : `${(rel * 100).toFixed(1)} %`} | ${same} of ${judged.length} | ${r.heatmap.pearson?.toFixed(3) ?? "-"} | ${(guest.timings.totalMs / 1000).toFixed(0)} s | ${rel !== null && rel <= 0.15 && same === judged.length && judged.length > 0 ? "ok" : "FAIL"} |`;
      rows.push(row);
      console.log(row);
    }
  }
}
