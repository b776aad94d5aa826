/** Seeded synthetic records for tests and benchmarks. */
import { Rng } from "../../src/util/rng.js";
import type { RegionInput } from "../../src/record/model.js";

export interface SynthSnapshot {
  startNs: number;
  endNs: number;
  regions: RegionInput[];
}

/** Snapshots of `nrRegions` contiguous regions over a few far-apart address ranges. */
export function synthSnapshots(
  seed: number,
  nrSnapshots: number,
  nrRegions: number,
  aggrNs = 100e6,
): SynthSnapshot[] {
  const rng = new Rng(seed);
  const bases = [0x55d0_0000_0000, 0x7f00_0000_0000, 0x7ffd_0000_0000];
  const out: SynthSnapshot[] = [];
  const t0 = 1_000_000_000 + rng.randRange(0, 1_000_000);
  for (let s = 0; s < nrSnapshots; s++) {
    const regions: RegionInput[] = [];
    const perRange = Math.max(1, Math.floor(nrRegions / bases.length));
    for (let b = 0; b < bases.length && regions.length < nrRegions; b++) {
      let addr = bases[b];
      const n = b === bases.length - 1 ? nrRegions - regions.length : perRange;
      for (let i = 0; i < n; i++) {
        const size = 4096 * (1 + rng.randRange(0, 256));
        regions.push({
          start: addr,
          end: addr + size,
          nrAccesses: rng.randRange(0, 21),
          age: rng.randRange(0, 50),
        });
        addr += size;
      }
    }
    out.push({ startNs: t0 + s * aggrNs, endNs: t0 + (s + 1) * aggrNs, regions });
  }
  return out;
}
