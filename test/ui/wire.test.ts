/**
 * The wire form of snapshots (src/ui/wire.ts) over seeded random chunks: every
 * value comes back exactly (integer columns) or as its f32 (raw columns: fractional
 * counts, addresses off the page grid), unknown ages and absent probes stay
 * unknown, regions out of order survive, and a page-aligned record costs about
 * 4 bytes a region. Damaged buffers are refused, never misread.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { decodeSnapshots, encodeSnapshots, type WireSnapshot } from "../../src/ui/wire.js";
import { RunData } from "../../src/ui/page/data.js";

interface Shape {
  probes: number;
  /** Addresses on a 1-byte grid instead of pages. */
  oddAddresses: boolean;
  fractional: boolean;
  shuffle: boolean;
}

function randomChunk(rng: Rng, shape: Shape): WireSnapshot[] {
  const out: WireSnapshot[] = [];
  const unit = shape.oddAddresses ? 1 : 4096;
  for (let s = 0, n = 1 + rng.randRange(0, 6); s < n; s++) {
    const nr = rng.randRange(0, 40);
    const start = new Float64Array(nr);
    const end = new Float64Array(nr);
    // far-apart bases (a 2^47 address space), each region at or after the previous end
    let a = [0x10000000, 0x7f0000000000, 0x7ffff0000000][rng.randRange(0, 3)];
    for (let i = 0; i < nr; i++) {
      a += rng.randRange(0, 3) === 0 ? rng.randRange(0, 1000) * unit : 0;
      start[i] = a;
      a += (1 + rng.randRange(0, 100_000)) * unit;
      end[i] = a;
    }
    const count = (): number => (shape.fractional ? rng.nextFloat() * 20 : rng.randRange(0, 400));
    const samples = Float64Array.from({ length: nr }, count);
    const age = Float64Array.from({ length: nr }, () =>
      rng.randRange(0, 5) === 0 ? NaN : rng.randRange(0, 1e6),
    );
    const probeHits = Array.from({ length: shape.probes }, () =>
      Float64Array.from({ length: nr }, () => (rng.randRange(0, 6) === 0 ? NaN : count())),
    );
    if (shape.shuffle)
      for (let i = nr - 1; i > 0; i--) {
        const j = rng.randRange(0, i + 1);
        for (const col of [start, end, samples, age, ...probeHits]) [col[i], col[j]] = [col[j], col[i]];
      }
    out.push({ startNs: s * 1e8, endNs: (s + 1) * 1e8, nr, start, end, samples, age, probeHits });
  }
  return out;
}

const same = (got: number, want: number, what: string): void => {
  if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${what}: want NaN, got ${got}`);
  else assert.equal(got, want, what);
};

test("every value round-trips (seeds 1-80: probes, unknown ages, odd addresses, fractions, disorder)", () => {
  for (let seed = 1; seed <= 80; seed++) {
    const rng = new Rng(seed);
    const shape: Shape = {
      probes: rng.randRange(0, 5),
      oddAddresses: rng.randRange(0, 4) === 0,
      fractional: rng.randRange(0, 4) === 0,
      shuffle: rng.randRange(0, 3) === 0,
    };
    const snaps = randomChunk(rng, shape);
    const c = decodeSnapshots(encodeSnapshots(7, snaps));
    assert.equal(c.first, 7);
    assert.equal(c.count, snaps.length);
    assert.equal(c.probeHits.length, shape.probes, `seed ${seed}: probe columns`);
    snaps.forEach((s, k) => {
      assert.equal(c.startNs[k], s.startNs);
      assert.equal(c.endNs[k], s.endNs);
      assert.equal(c.offsets[k + 1] - c.offsets[k], s.nr);
      for (let i = 0; i < s.nr; i++) {
        const r = c.offsets[k] + i;
        const at = `seed ${seed} snapshot ${k} region ${i}`;
        assert.equal(c.start[r], s.start[i], `${at} start`);
        assert.equal(c.end[r], s.end[i], `${at} end`);
        // counts travel exactly; fractions as f32, what the page computes with
        same(c.samples[r], Math.fround(s.samples[i]), `${at} samples`);
        same(c.age[r], Math.fround(s.age[i]), `${at} age`);
        for (let p = 0; p < shape.probes; p++)
          same(c.probeHits[p][r], Math.fround(s.probeHits![p][i]), `${at} probe ${p}`);
      }
    });
  }
});

test("a record like DAMON's (page-aligned, contiguous, small counts) costs about 4 bytes a region", () => {
  // 1,000 contiguous regions of up to 64 MiB, nr_accesses 0-20, ages 0-99: the size in
  // pages takes 2 bytes, the others one; 24 bytes a region as raw f64/f32 columns
  const rng = new Rng(3);
  const snaps: WireSnapshot[] = Array.from({ length: 50 }, (_, s) => {
    const nr = 1000;
    const start = new Float64Array(nr);
    const end = new Float64Array(nr);
    let a = 0x7f0000000000;
    for (let i = 0; i < nr; i++) {
      start[i] = a;
      a += (1 + rng.randRange(0, 16_000)) * 4096;
      end[i] = a;
    }
    const samples = Float64Array.from({ length: nr }, () => rng.randRange(0, 21));
    const age = Float64Array.from({ length: nr }, () => rng.randRange(0, 100));
    return { startNs: s * 1e8, endNs: (s + 1) * 1e8, nr, start, end, samples, age };
  });
  const perRegion = encodeSnapshots(0, snaps).byteLength / 50_000;
  assert.ok(perRegion <= 4.1, `${perRegion.toFixed(2)} bytes a region`);
  assert.ok(perRegion >= 4, "size (2), count and age");
});

test("chunks with and without probes join on the page: absent probes are NaN", () => {
  const rng = new Rng(11);
  const plain = randomChunk(rng, { probes: 0, oddAddresses: false, fractional: false, shuffle: false });
  const probed = randomChunk(rng, { probes: 2, oddAddresses: false, fractional: false, shuffle: false });
  const d = new RunData();
  d.append(decodeSnapshots(encodeSnapshots(0, plain)));
  d.append(decodeSnapshots(encodeSnapshots(plain.length, probed)));
  assert.equal(d.probeHits.length, 2);
  const first = d.offsets[plain.length];
  for (let i = 0; i < first; i++) assert.ok(Number.isNaN(d.probeAt(1, i)));
  probed.forEach((s, k) => {
    for (let i = 0; i < s.nr; i++)
      same(d.probeAt(1, d.offsets[plain.length + k] + i), s.probeHits![1][i], `snapshot ${k} region ${i}`);
  });
});

test("damaged buffers are refused", () => {
  const rng = new Rng(5);
  const buf = encodeSnapshots(
    0,
    randomChunk(rng, { probes: 1, oddAddresses: false, fractional: false, shuffle: false }),
  );
  assert.throws(() => decodeSnapshots(buf.slice(0, 16)), /too short/);
  assert.throws(() => decodeSnapshots(buf.slice(0, buf.byteLength - 1)), /truncated/);
  const longer = new Uint8Array(buf.byteLength + 1);
  longer.set(new Uint8Array(buf));
  assert.throws(() => decodeSnapshots(longer.buffer), /trailing bytes/);
  const foreign = new Uint8Array(buf.slice(0));
  foreign[0] ^= 1;
  assert.throws(() => decodeSnapshots(foreign.buffer), /not damon-ts ui snapshot data/);
});
