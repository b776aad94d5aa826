/**
 * Where DAMOS tiering's promotions go over time in `damon-ts study tiering`'s
 * DAMOS case (zipf-kv at 1/4 size, all memory first on the slow node, fast
 * node 64 MiB): per 100 ms, the fast node's share of that window's accesses,
 * the pages promoted and how many are among the run's 1,000 hottest; then when
 * each of the 30 hottest pages reached the fast node ("-": never) and the share
 * of accesses the 100 hottest take against the share of those promoted
 * (docs/interference.md, "Why DAMOS's fast share moved"). A diagnostic, not a
 * speed benchmark: it walks the workload's page table every 100 ms.
 *
 *   npx tsx bench/tiering-promotions.ts [--seconds 2] [--seed 1] [--pick N]
 *
 * `--pick N` sets the accesses per weighted pick (default: the size-scaled
 * one; 131072 is the length before `--scale` shrank it).
 */
import { parseArgs } from "node:util";
import { runPresetExperiment } from "../src/eval/damos-seeds.js";
import { TierTracker } from "../src/eval/damos.js";
import { slowStartWorkload } from "../src/eval/interference/tiering.js";
import { PAGE_SIZE, PTE_PRESENT } from "../src/mm/vma.js";

const MiB = 2 ** 20;
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    pick: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const seed = Number(values.seed);
let w = slowStartWorkload(0.25, seconds);
if (values.pick !== undefined) w = { ...w, accessesPerPick: Number(values.pick) };

const tiers = new TierTracker(0);
const heat = new Map<number, number>();
const promotedAt = new Map<number, number>();
const slots: { endNs: number; fast: number; total: number }[] = [];
let slotFast = 0;
let slotTotal = 0;
let total = 0;
runPresetExperiment(w, "tiering", {
  memoryBytes: 1024 * MiB,
  fastMemoryBytes: 64 * MiB,
  seed,
  onTruthWindow: (tw, m) => {
    tiers.onWindow(tw, m);
    const win = tiers.windows[tiers.windows.length - 1];
    slotFast += win.fast;
    slotTotal += win.total;
    for (let i = 0; i < tw.n; i++) {
      const page = tw.vaddr[i] / PAGE_SIZE;
      heat.set(page, (heat.get(page) ?? 0) + tw.accesses[i]);
      total += tw.accesses[i];
    }
    if (tw.endNs < (slots.length + 1) * 100e6) return;
    slots.push({ endNs: tw.endNs, fast: slotFast, total: slotTotal });
    slotFast = slotTotal = 0;
    // Memory starts on the slow node: a page first seen on node 0 was promoted in this slot.
    for (const v of m.process(m.threads[0].as.pid).vmas)
      for (const c of v.chunksIn())
        for (let i = 0; i < c.endPage - c.startPage; i++)
          if (
            c.flags[i] & PTE_PRESENT &&
            m.frames.node[c.frames[i]] === 0 &&
            !promotedAt.has(c.startPage + i)
          )
            promotedAt.set(c.startPage + i, slots.length);
  },
});

const ranked = [...heat.entries()].sort((a, b) => b[1] - a[1]);
const top1k = new Set(ranked.slice(0, 1000).map((e) => e[0]));
console.log(`zipf-kv (slow start), ${seconds} s, seed ${seed}, ${w.accessesPerPick} accesses per pick`);
console.log(`fast share over the second half: ${(tiers.steadyFastShare * 100).toFixed(1)} %\n`);
console.log("until     fast share  promoted  of them in the top 1,000");
slots.forEach((s, k) => {
  let n = 0;
  let hot = 0;
  for (const [p, at] of promotedAt)
    if (at === k + 1) {
      n++;
      if (top1k.has(p)) hot++;
    }
  const share = s.total > 0 ? (100 * s.fast) / s.total : 0;
  console.log(
    `${(s.endNs / 1e9).toFixed(1).padStart(5)} s  ${share.toFixed(1).padStart(8)} %  ${String(n).padStart(8)}  ${String(hot).padStart(8)}`,
  );
});
const slotOf = (p: number): string => {
  const at = promotedAt.get(p);
  return at === undefined ? "-" : `${(at / 10).toFixed(1)}s`;
};
console.log(
  `\nhottest 30 pages, promoted by: ${ranked
    .slice(0, 30)
    .map((e) => slotOf(e[0]))
    .join(" ")}`,
);
let top100 = 0;
let top100Promoted = 0;
for (const [p, n] of ranked.slice(0, 100)) {
  top100 += n;
  if (promotedAt.has(p)) top100Promoted += n;
}
console.log(
  `the 100 hottest pages take ${((100 * top100) / total).toFixed(1)} % of the accesses; those promoted ${((100 * top100Promoted) / total).toFixed(1)} %`,
);
