/**
 * Scheme presets modelled on the kernel's DAMOS-based modules (docs/damos.md):
 * `reclaim` (DAMON_RECLAIM: page out regions idle for a while, quota 10 ms /
 * 128 MiB per second, a PSI goal, free-memory watermarks), `lru-sort`
 * (DAMON_LRU_SORT: hot regions to the active list, cold ones to the inactive),
 * and `tiering` (self-tuned memory tiering: migrate_hot from the slow node to the
 * fast one while it is under 99% used, migrate_cold of idle regions (nr 0, as
 * the kernel's samples/damon/mtier does) from the fast node while it has under
 * 2% free — demoting non-idle regions made the two schemes keep exchanging warm
 * pages, which drifted placement away from the oracle (docs/damos.md); the
 * temporal tuner runs each at its full quota until its goal is met). All run on paddr. Ages are scaled to the simulator's 30 s
 * workloads (the kernel modules default to 120 s), and so are quota reset
 * intervals (100 ms instead of 1 s, same rates): the goal feedback loop can at
 * most double the quota per interval, which must take seconds, not minutes.
 */
import type { IntervalsConfig, SchemeConfig } from "../config/kdamonds-types.js";
import type { RamRange } from "../mm/frames.js";
import { UsageError } from "../util/errors.js";
import { parseCompactScheme } from "./compact.js";

export const PRESETS = ["reclaim", "lru-sort", "tiering"] as const;
export type PresetName = (typeof PRESETS)[number];

export interface PresetOptions {
  intervals: IntervalsConfig;
  /** System RAM ranges (tiering needs the fast node 0 and the slow node 1). */
  ram: RamRange[];
  /** Minimum idle time before reclaim (default 2 s) / deprioritisation (default 5 s). */
  minAge?: string;
}

/** The compact-form lines of a preset (what `--scheme` would take). */
export function presetLines(name: PresetName, o: PresetOptions): string[] {
  const age = o.minAge ?? "5s";
  switch (name) {
    case "reclaim":
      // 2 s, not 5 s: a region is paged out only at its second try, min_age after
      // the first (the implicit young filter mkolds pages the first try finds
      // young, and every try resets the age, as in the kernel), and merges average
      // ages, so 5 s took two thirds of a 30 s run and the saving depended on the
      // seed (docs/damos.md). The kernel's 120 s is a small part of its hours-long runs.
      return [
        `pageout nr=0..0 age=${o.minAge ?? "2s"}.. quota=1ms/12800KiB/100ms weights=0/0/1000 goal=some_mem_psi_us:1000 wmarks=free_mem_rate/1s/500/400/200`,
      ];
    case "lru-sort":
      return [
        "lru_prio nr=50%.. quota=10ms//1s weights=0/1000/0 wmarks=free_mem_rate/1s/200/150/50",
        `lru_deprio nr=0..0 age=${age}.. quota=10ms//1s weights=0/0/1000 wmarks=free_mem_rate/1s/200/150/50`,
      ];
    case "tiering": {
      const nodeRanges = (node: number): RamRange[] => {
        const rs = o.ram.filter((r) => r.node === node);
        if (rs.length === 0) throw new UsageError(`the tiering preset needs a node ${node}`, "--preset");
        return rs;
      };
      const span = (node: number): string => {
        const rs = nodeRanges(node);
        return `${rs[0].start}-${rs[rs.length - 1].end}`;
      };
      // Move at most 5% of the fast node per 100 ms each way: fast enough to fill it in 2 s, small enough not to overshoot far.
      const fastBytes = nodeRanges(0).reduce((x, r) => x + r.end - r.start, 0);
      const step = Math.max(4096, Math.floor(fastBytes / 20 / 4096) * 4096);
      return [
        `migrate_hot target=0 nr=1.. quota=/${step}/100ms weights=0/1000/1000 goal=node_mem_used_bp:9900@0 tuner=temporal filter=reject:!addr=${span(1)} filter=reject:!young`,
        `migrate_cold target=1 nr=0..0 quota=/${step}/100ms weights=0/1000/1000 goal=node_mem_free_bp:200@0 tuner=temporal filter=reject:!addr=${span(0)} filter=reject:young`,
      ];
    }
  }
}

export function presetSchemes(name: PresetName, o: PresetOptions): SchemeConfig[] {
  return presetLines(name, o).map((l, i) => parseCompactScheme(l, o.intervals, `--preset ${name} [${i}]`));
}

export function presetName(text: string): PresetName {
  if (!(PRESETS as readonly string[]).includes(text))
    throw new UsageError(`'${text}' is not a preset (allowed: ${PRESETS.join(", ")})`, "--preset");
  return text as PresetName;
}
