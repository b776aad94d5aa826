/**
 * The page's re-aggregation (src/ui/page/aggregate.ts) against its definition, over
 * many seeded random records and views: every cell is the mean frequency of the
 * bytes x time it covers, computed here by brute force; gaps between address ranges
 * take no screen space; unsorted regions give the same picture as sorted ones.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { makeSnapshot, type RegionInput, type Snapshot } from "../../src/record/model.js";
import { decodeSnapshots, encodeSnapshots } from "../../src/ui/wire.js";
import { RunData, addressRanges, fromDisp, heatShares } from "../../src/ui/page/data.js";
import { aggregate, type View } from "../../src/ui/page/aggregate.js";

const PAGE = 4096;

/** 2-3 far-apart ranges, each split into regions at random page boundaries; random nr_accesses. */
function randomSnapshots(rng: Rng, shuffle: Rng | null = null): Snapshot[] {
  const bases = [0x10000000, 0x7f0000000000, 0x7ffff0000000].slice(0, 2 + rng.randRange(0, 2));
  const sizes = bases.map(() => (1 + rng.randRange(0, 64)) * PAGE);
  const out: Snapshot[] = [];
  let t = 0;
  for (let s = 0, n = 3 + rng.randRange(0, 12); s < n; s++) {
    const regions: RegionInput[] = [];
    bases.forEach((b, k) => {
      const pages = sizes[k] / PAGE;
      const cuts = new Set<number>([0, pages]);
      for (let i = rng.randRange(0, 5); i > 0; i--) cuts.add(rng.randRange(1, pages));
      const c = [...cuts].sort((x, y) => x - y);
      for (let i = 0; i + 1 < c.length; i++)
        regions.push({
          start: b + c[i] * PAGE,
          end: b + c[i + 1] * PAGE,
          nrAccesses: rng.randRange(0, 21),
          age: s,
        });
    });
    if (shuffle) regions.sort(() => shuffle.nextFloat() - 0.5);
    const dt = (1 + rng.randRange(0, 5)) * 1e6;
    out.push(makeSnapshot(t, t + dt, regions));
    t += dt;
  }
  return out;
}

function runData(snaps: Snapshot[]): RunData {
  const d = new RunData();
  // in two chunks, as a live run arrives
  const half = Math.floor(snaps.length / 2);
  d.append(decodeSnapshots(encodeSnapshots(0, snaps.slice(0, half))));
  d.append(decodeSnapshots(encodeSnapshots(half, snaps.slice(half))));
  return d;
}

/** The definition: weighted mean of nr_accesses/20 over the cell's bytes x time. */
function bruteCell(
  snaps: Snapshot[],
  d: RunData,
  v: View,
  w: number,
  h: number,
  c: number,
  q: number,
): number {
  const r = addressRanges(d);
  const cx0 = v.x0 + ((v.x1 - v.x0) * c) / w;
  const cx1 = v.x0 + ((v.x1 - v.x0) * (c + 1)) / w;
  const ct0 = v.t0 + ((v.t1 - v.t0) * q) / h;
  const ct1 = v.t0 + ((v.t1 - v.t0) * (q + 1)) / h;
  let sum = 0;
  let wt = 0;
  for (const s of snaps) {
    const dt = Math.min(s.endNs, ct1) - Math.max(s.startNs, ct0);
    if (dt <= 0) continue;
    for (let i = 0; i < s.nr; i++) {
      const k = r.start.findIndex((a, j) => a <= s.start[i] && s.end[i] <= r.end[j]);
      assert.ok(k >= 0, "every region lies inside one range");
      const da = r.disp[k] + s.start[i] - r.start[k];
      const db = da + s.end[i] - s.start[i];
      const dx = Math.min(db, cx1) - Math.max(da, cx0);
      if (dx <= 0) continue;
      sum += (s.samples[i] / 20) * dx * dt;
      wt += dx * dt;
    }
  }
  return wt > 0 ? sum / wt : NaN;
}

test("every cell is the mean frequency of the bytes x time it covers (seeds 1-60, random views)", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rng = new Rng(seed);
    const snaps = randomSnapshots(rng);
    const d = runData(snaps);
    const r = addressRanges(d);
    const T = snaps[snaps.length - 1].endNs;
    const full: View = { t0: 0, t1: T, x0: 0, x1: r.total };
    const a = rng.nextFloat() * r.total;
    const b = rng.nextFloat() * r.total;
    const ta = rng.nextFloat() * T;
    const tb = rng.nextFloat() * T;
    const zoomed: View = {
      x0: Math.min(a, b),
      x1: Math.max(a, b) + PAGE,
      t0: Math.min(ta, tb),
      t1: Math.max(ta, tb) + 1e5,
    };
    for (const v of [full, zoomed]) {
      const w = 1 + rng.randRange(0, 9);
      const h = 1 + rng.randRange(0, 7);
      const g = aggregate(d, r, v, w, h, 20);
      for (let q = 0; q < h; q++)
        for (let c = 0; c < w; c++) {
          const want = bruteCell(snaps, d, v, w, h, c, q);
          const got = g.value[q * w + c];
          if (Number.isNaN(want))
            assert.ok(Number.isNaN(got), `seed ${seed} cell ${c},${q}: ${got} for no data`);
          else assert.ok(Math.abs(got - want) < 1e-5, `seed ${seed} cell ${c},${q}: ${got} != ${want}`);
        }
    }
  }
});

test("address ranges: sorted, disjoint, gap-free on screen, and heat shares sum to 1 (seeds 1-60)", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const snaps = randomSnapshots(new Rng(seed));
    const d = runData(snaps);
    const r = addressRanges(d);
    let total = 0;
    for (let k = 0; k < r.start.length; k++) {
      if (k > 0) assert.ok(r.start[k] > r.end[k - 1], "ranges are disjoint, with a gap between them");
      assert.equal(r.disp[k], total);
      total += r.end[k] - r.start[k];
    }
    assert.equal(r.total, total);
    assert.deepEqual(fromDisp(r, r.disp[r.disp.length - 1]), {
      k: r.disp.length - 1,
      addr: r.start[r.start.length - 1],
    });
    const shares = heatShares(d, r);
    const sum = shares.reduce((a, b) => a + b, 0);
    assert.ok(sum === 0 || Math.abs(sum - 1) < 1e-9, `shares sum to ${sum}`);
  }
});

test("regions out of address order give the same picture as sorted ones", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const sorted = runData(randomSnapshots(new Rng(seed)));
    const shuffled = runData(randomSnapshots(new Rng(seed), new Rng(seed + 1000)));
    assert.equal(sorted.sorted, true);
    assert.equal(shuffled.sorted, false);
    const r = addressRanges(sorted);
    const T = sorted.endNs[sorted.nSnap - 1];
    const v: View = { t0: T / 4, t1: T, x0: r.total / 3, x1: r.total };
    const a = aggregate(sorted, r, v, 13, 9, 20).value;
    const b = aggregate(shuffled, addressRanges(shuffled), v, 13, 9, 20).value;
    for (let i = 0; i < a.length; i++)
      assert.ok(
        (Number.isNaN(a[i]) && Number.isNaN(b[i])) || Math.abs(a[i] - b[i]) < 1e-5,
        `seed ${seed} cell ${i}`,
      );
  }
});
