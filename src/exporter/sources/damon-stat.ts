/**
 * The DAMON_STAT module's parameters (Linux 6.17+), read-only:
 * /sys/module/damon_stat/parameters/{enabled, estimated_memory_bandwidth,
 * memory_idle_ms_percentiles, aggr_interval_us (6.18), kdamond_pid (newer)}.
 * Idle-time percentiles are 101 comma-separated milliseconds; since 6.18 a
 * negative value is an accessed region's age (how long it has been hot).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { QUANTILES, type Reading, type ReadingSource } from "../reading.js";

export const DAMON_STAT_PARAMS = "sys/module/damon_stat/parameters";

/** DAMON_STAT is absent: a kernel before 6.17 or without CONFIG_DAMON_STAT. */
export class DamonStatMissingError extends Error {}

function intList(text: string, file: string): number[] {
  const parts = text.trim().split(",");
  const out = parts.map((p) => {
    if (!/^-?[0-9]+$/.test(p.trim())) throw new Error(`${file}: '${p.slice(0, 30)}' is not an integer`);
    return Number(p);
  });
  return out;
}

export class DamonStatSource implements ReadingSource {
  readonly name = "stat";
  readonly dir: string;

  /** `root` is the filesystem root the sysfs tree is under ("/" on a real machine; a temp dir in tests). */
  constructor(root = "/") {
    this.dir = join(root, DAMON_STAT_PARAMS);
    if (!existsSync(this.dir))
      throw new DamonStatMissingError(
        `DAMON_STAT is not available: ${this.dir} does not exist (it needs Linux 6.17+ built with CONFIG_DAMON_STAT)`,
      );
  }

  private file(name: string): string | null {
    const f = join(this.dir, name);
    return existsSync(f) ? readFileSync(f, "utf8").trim() : null;
  }

  private num(name: string): number | null {
    const t = this.file(name);
    if (t === null) return null;
    if (!/^-?[0-9]+$/.test(t))
      throw new Error(`${join(this.dir, name)}: '${t.slice(0, 30)}' is not an integer`);
    return Number(t);
  }

  read(): Reading {
    const enabledText = this.file("enabled");
    if (enabledText === null) throw new Error(`${join(this.dir, "enabled")} is missing`);
    const enabled = enabledText === "Y" || enabledText === "1";
    const pct = this.file("memory_idle_ms_percentiles");
    const pcts = pct === null ? [] : intList(pct, join(this.dir, "memory_idle_ms_percentiles"));
    if (pcts.length !== 0 && pcts.length !== 101)
      throw new Error(`memory_idle_ms_percentiles has ${pcts.length} values, not 101`);
    return {
      stat: { enabled, kdamondPid: this.num("kdamond_pid") },
      running: null,
      contexts: enabled
        ? [
            {
              kdamond: "damon_stat",
              context: "0",
              sampleUs: null,
              aggrUs: this.num("aggr_interval_us"),
              snapshots: null,
              bandwidthBytesPerSec: this.num("estimated_memory_bandwidth"),
              idleSeconds:
                pcts.length === 101
                  ? QUANTILES.map((q) => ({ quantile: q, value: pcts[Math.round(q * 100)] / 1000 }))
                  : [],
              reportsReceived: null,
              reportRingDrops: null,
              targets: [],
              schemes: [],
            },
          ]
        : [],
    };
  }
}
