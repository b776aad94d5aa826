/**
 * A/B of the TLB inner loop (access-loop.ts loopTlb): an older copy of the file against
 * this tree's, on the same kinds of batches, interleaved in one process (best of 25
 * rounds of 100 ms), so host load hits both alike. Measures what the blind-spot
 * counters (issue 12) added to the per-access path.
 *
 *   git archive main | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/
 *   npx tsx bench/tlb-loop-ab.ts /tmp/old/src/mm/access-loop.ts
 *
 * The old loop takes two parameters fewer (no blind-spot stamp array).
 */
import * as B from "../src/mm/access-loop.js";
import { Tlb } from "../src/mm/tlb.js";

const oldPath = process.argv[2];
if (!oldPath) throw new Error("usage: npx tsx bench/tlb-loop-ab.ts OLD/src/mm/access-loop.ts");
const A = (await import(oldPath)) as typeof B;
const N = 1 << 16;
function setup(spanPages: number, seq: boolean, clearA: boolean) {
  const flags = new Uint8Array(spanPages).fill(clearA ? 1 : 3);
  const frames = new Int32Array(spanPages).map((_, i) => i);
  const addrs = new Float64Array(N);
  const vs = 0x7fff0000;
  let x = 12345;
  for (let i = 0; i < N; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    addrs[i] = (vs + (seq ? Math.floor(i / 64) % spanPages : x % spanPages)) * 4096 + (i % 64) * 64;
  }
  return {
    flags,
    frames,
    addrs,
    writes: new Uint8Array(N),
    vs,
    ve: vs + spanPages,
    node: new Uint8Array(spanPages),
    lat: new Float64Array([10]),
  };
}
function runner(
  L: { loopTlb: (...a: never[]) => number },
  extra: boolean,
  s: ReturnType<typeof setup>,
  tlb: Tlb,
) {
  const st = new Float64Array(16);
  const tS = new Int32Array(s.frames.length),
    tW = new Int32Array(s.frames.length),
    tP = new Uint16Array(s.frames.length),
    tC = new Float64Array(s.frames.length);
  const clr = new Int32Array(s.frames.length);
  return () => {
    st[0] = 0;
    st[4] = tlb.lastTag;
    const args: unknown[] = [
      s.addrs,
      s.writes,
      0,
      N,
      Infinity,
      s.flags,
      s.frames,
      s.vs,
      s.ve,
      s.node,
      s.lat,
      0,
      false,
      tS,
      tW,
      tP,
      tC,
      0,
      0,
      false,
      st,
      tlb.tags,
      tlb.prev,
      tlb.next,
      tlb.head,
      tlb.tail,
      tlb.ways,
      tlb.setMask,
      0,
      0,
      20,
      tlb.hint,
      tlb.hintMask,
    ];
    if (extra) args.push(clr, 2);
    (L.loopTlb as (...a: unknown[]) => number)(...args);
    return N;
  };
}
function rate(f: () => number, ms = 100) {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) n += f();
  return n / ((performance.now() - t0) / 1000);
}
for (const [name, pages, seq, clearA] of [
  ["4 MiB random, A set", 1024, false, false],
  ["64 MiB random, A set", 16384, false, false],
  ["2 MiB random, A clear (blind spot)", 512, false, true],
  ["10 MiB sequential, A set", 2560, true, false],
] as const) {
  const cfg = { entries: 2048, ways: 16 };
  const sa = setup(pages, seq, clearA),
    sb = setup(pages, seq, clearA);
  const ta = new Tlb(cfg),
    tb = new Tlb(cfg);
  const fa = runner(A, false, sa, ta),
    fb = runner(B, true, sb, tb);
  for (let i = 0; i < 20; i++) {
    fa();
    fb();
  }
  if (clearA) {
    sa.flags.fill(1);
    sb.flags.fill(1);
  } // keep A clear: hits never set it
  let ba = 0,
    bb = 0;
  for (let r = 0; r < 25; r++) {
    ba = Math.max(ba, rate(fa));
    bb = Math.max(bb, rate(fb));
  }
  console.log(
    `${name.padEnd(36)} old ${(ba / 1e6).toFixed(1)} M/s  new ${(bb / 1e6).toFixed(1)} M/s  new/old ${(bb / ba).toFixed(3)}`,
  );
}
