/**
 * Warms the JIT while the snapshot bytes are on their way: the hot loops (decode,
 * address ranges, region index, re-aggregation at several zoom levels, paint,
 * series) run once on a tiny synthetic run of the same array types, so every
 * branch has type feedback before the real record arrives. Without it, the code
 * the browser optimised for the first view was thrown away (deoptimised) at the
 * first zoom that took a branch it had not seen (regions wider than a pixel,
 * snapshots spanning rows), and that zoom ran 2-4x slower. Kept tiny: it runs
 * on the main thread while the bytes arrive.
 */
import { encodeSnapshots, decodeSnapshots, type WireSnapshot } from "../wire.js";
import { aggregate } from "./aggregate.js";
import { paint } from "./colors.js";
import { RunData, addressRanges, probeSeries, regionIndex, wssSeries } from "./data.js";

const SNAPSHOTS = 24;
const REGIONS = 60;
const W = 72;
const H = 32;

function synthetic(): WireSnapshot[] {
  const out: WireSnapshot[] = [];
  let x = 12345;
  const rand = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const bases = [0x555555554000, 0x7f0000000000, 0x7ffff0000000];
  for (let s = 0; s < SNAPSHOTS; s++) {
    const start: number[] = [];
    const end: number[] = [];
    for (const b of bases) {
      let a = b;
      for (let i = 0; i < REGIONS / bases.length; i++) {
        const size = (1 + rand(4096)) * 4096;
        start.push(a);
        end.push(a + size);
        a += size;
      }
    }
    const n = start.length;
    const counts = Float64Array.from({ length: n }, () => rand(21));
    out.push({
      startNs: s * 1e8,
      endNs: (s + 1) * 1e8,
      nr: n,
      start,
      end,
      samples: counts,
      age: Float64Array.from({ length: n }, () => rand(300)),
      probeHits: [counts],
    });
  }
  return out;
}

/** Runs every hot path a few times; returns a checksum so nothing is optimised away. */
export function warmUp(): number {
  const snaps = synthetic();
  let check = 0;
  for (let round = 0; round < 2; round++) {
    const d = new RunData();
    d.append(decodeSnapshots(encodeSnapshots(0, snaps.slice(0, SNAPSHOTS / 2))));
    d.append(decodeSnapshots(encodeSnapshots(SNAPSHOTS / 2, snaps.slice(SNAPSHOTS / 2))));
    const r = addressRanges(d);
    check += regionIndex(d, r).heat[0];
    check += wssSeries(d).wss[0] + probeSeries(d, 20)[0].estimated[0];
    const t0 = d.startNs[0];
    const t1 = d.endNs[d.nSnap - 1];
    const img = new Uint8ClampedArray(W * H * 4);
    // the whole run, then zoomed views: regions wider than a column, snapshots spanning rows
    for (const [fx, ft] of [
      [1, 1],
      [0.5, 0.5],
      [0.01, 0.25],
      [0.001, 0.02],
      [0.3, 1],
      [1, 0.05],
      [0.05, 0.1],
      [0.002, 1],
    ]) {
      const x1 = r.total * fx;
      const grid = aggregate(d, r, { x0: 0, x1, t0, t1: t0 + (t1 - t0) * ft }, W, H, 20, d.samples);
      paint(grid.value, img);
      check += img[0];
    }
  }
  return check;
}
