/**
 * What a VMA switch costs the access path: Machine.exec over the same 1 Mi accesses
 * (three 1 MiB mappings, pages already faulted in), moving to the next mapping every
 * K accesses. Real programs switch about every 3 accesses (the fixture traces: stack,
 * heap, binary and library data). The loop switches itself between the chunks in the
 * thread's VMA cache (vma-cache.ts) and returns to execAccesses only for one outside
 * it: the last row cycles through more mappings than the cache holds, every switch
 * leaving the loop. Rates per CPU second, best of 5 rounds.
 *
 *   npx tsx bench/vma-switch.ts
 */
import { Machine } from "../src/mm/index.js";
import { ReplayStream } from "../src/workload/replay-stream.js";
import { VMA_CACHE_SLOTS } from "../src/mm/vma-cache.js";

const N = 1 << 20;
const SPAN = 1 << 20;

function cpuS(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function rate(tlb: boolean, every: number, maps = 3): number {
  const m = new Machine({ tlb: tlb ? undefined : false });
  const as = m.createProcess("vma-switch");
  const bases = Array.from({ length: maps }, () => as.mmap(SPAN));
  const addrs = new Float64Array(N);
  let v = 0;
  for (let i = 0; i < N; i++) {
    if (i % every === 0) v = (v + 1) % maps;
    addrs[i] = bases[v] + ((i * 4160) % SPAN);
  }
  const writes = new Uint8Array(N);
  const th = m.spawnThread(as, 0, new ReplayStream(addrs), "t");
  m.exec(th, addrs, writes, 0, N); // first touches
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = cpuS();
    for (let k = 0; k < 4; k++) m.exec(th, addrs, writes, 0, N);
    best = Math.max(best, (4 * N) / (cpuS() - t0));
  }
  return best;
}

console.log("bench/vma-switch: Machine.exec, 1 Mi accesses over three 1 MiB mappings, best of 5 rounds");
for (const tlb of [true, false]) {
  const line = [Infinity, 64, 8, 3].map((k) => {
    const label = k === Infinity ? "never" : `every ${k}`;
    return `${label}: ${(rate(tlb, k) / 1e6).toFixed(1)} M/s`;
  });
  console.log(`  TLB ${tlb ? "on " : "off"}  switch ${line.join(", ")}`);
}
const over = VMA_CACHE_SLOTS + 1;
for (const tlb of [true, false]) {
  const r = rate(tlb, 3, over);
  console.log(
    `  TLB ${tlb ? "on " : "off"}  ${over} mappings (one more than the cache's slots), switch every 3: ${(r / 1e6).toFixed(1)} M/s`,
  );
}
