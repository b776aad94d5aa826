import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { PhasedStream, type WorkloadSpec } from "../../src/workload/index.js";
import { builtinWorkload } from "../../src/workload/builtins.js";
import type { ZipfParams } from "../../src/workload/spec.js";
import { ZipfRejectionSampler, zipfCdf } from "../../src/workload/zipf.js";
import { oneZipfSpec } from "./zipf-spec.js";

test("table-free Zipf sampler matches the cumulative table's probabilities (seeds 1-3, skews 0, 0.99, 1, 1.5)", () => {
  const n = 200;
  const draws = 60_000;
  for (const skew of [0, 0.99, 1, 1.5]) {
    const cdf = zipfCdf(n, skew);
    const z = new ZipfRejectionSampler(n, skew);
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const next = () => rng.nextFloat();
      const counts = new Float64Array(n);
      for (let i = 0; i < draws; i++) {
        const r = z.sample(next);
        assert.ok(Number.isInteger(r) && r >= 0 && r < n);
        counts[r]++;
      }
      // Ranks 0, 1, 2 and the tail half: within 4 standard deviations of the exact probability.
      const checks: [string, number, number][] = [
        ["rank 0", counts[0], cdf[0]],
        ["rank 1", counts[1], cdf[1] - cdf[0]],
        ["rank 2", counts[2], cdf[2] - cdf[1]],
        ["ranks 100+", counts.slice(100).reduce((a, b) => a + b, 0), 1 - cdf[99]],
      ];
      for (const [what, got, p] of checks) {
        const sd = Math.sqrt(draws * p * (1 - p));
        assert.ok(
          Math.abs(got - draws * p) <= 4 * sd + 1,
          `skew ${skew} seed ${seed} ${what}: ${got} vs ${draws * p}`,
        );
      }
    }
  }
});

test("Zipf over 2^36 items (a 64 TiB heap of 1 KiB values) samples in range with no table", () => {
  const z = new ZipfRejectionSampler(2 ** 36, 0.99);
  const rng = new Rng(7);
  let zero = 0;
  for (let i = 0; i < 10_000; i++) {
    const r = z.sample(() => rng.nextFloat());
    assert.ok(r >= 0 && r < 2 ** 36);
    if (r === 0) zero++;
  }
  // P(rank 0) = 1 / H(2^36, 0.99) ≈ 0.036.
  assert.ok(zero > 250 && zero < 480, `${zero}`);
});

function kvSpec(items: number, zipf: Partial<ZipfParams>): WorkloadSpec {
  return oneZipfSpec(items * 1024, { itemBytes: 1024, skew: 0.99, linesPerItem: 1, ...zipf });
}

/** The 20 most read items of a stream of `spec`. */
function topItems(sp: WorkloadSpec, seed: number): number[] {
  const s = new PhasedStream(sp, 0, [0], new Rng(seed), 0);
  const a = new Float64Array(50_000);
  const w = new Uint8Array(a.length);
  let got = 0;
  while (got < a.length) got += s.fill(a.subarray(got), w.subarray(got), 0);
  const counts = new Map<number, number>();
  for (const x of a) counts.set(Math.floor(x / 1024), (counts.get(Math.floor(x / 1024)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((p, q) => q[1] - p[1])
    .slice(0, 20)
    .map((e) => e[0]);
}

test("scattered Zipf keys spread the hot items over the heap; a rank offset moves them (seeds 1-3)", () => {
  const items = 2 ** 24; // above the table limit: the rejection sampler runs
  for (const seed of [1, 2, 3]) {
    const plain = topItems(kvSpec(items, {}), seed);
    assert.ok(Math.max(...plain) < 64, `seed ${seed}: unscattered hot items sit at the start`);
    const spread = topItems(kvSpec(items, { scatter: true }), seed);
    const quarters = new Set(spread.map((i) => Math.floor((i / items) * 4)));
    assert.ok(quarters.size >= 3, `seed ${seed}: scattered over the heap (${quarters.size} quarters)`);
    const moved = topItems(kvSpec(items, { scatter: true, rankOffset: 4096 }), seed);
    const overlap = moved.filter((i) => spread.includes(i)).length;
    assert.ok(overlap <= 2, `seed ${seed}: the offset moved the hot set (${overlap} of 20 kept)`);
  }
});

test("sparse-kv-drift: eight phases whose Zipf keys drift, over a heap bigger than the table limit", () => {
  const spec = builtinWorkload("sparse-kv-drift");
  const phases = spec.threads[0].phases;
  assert.equal(phases.length, 8);
  const offsets = phases.map((p) => p.patterns[1].zipf!.rankOffset);
  assert.deepEqual(
    offsets,
    [...offsets].sort((a, b) => a! - b!),
  );
  assert.equal(new Set(offsets).size, 8, "each phase a different hot set");
  assert.ok(phases.every((p) => p.patterns[1].zipf!.scatter));
  const big = builtinWorkload("sparse-kv-drift", { sizeScale: 64, timeScale: 0.001 });
  assert.equal(big.regions[1].sizeBytes, 4 * 2 ** 40, "--scale 64 is a 4 TiB heap");
});
