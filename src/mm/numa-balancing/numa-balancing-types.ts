/** What NUMA balancing takes (the kernel's sysctls, in the model's units) and what it reports. */
import type { HintingMode } from "../hinting/index.js";
import type { HotnessSink } from "../pghot/pghot.js";

export interface NumaBalancingOptions {
  /** Migrate misplaced pages between nodes (the kernel's NUMA_BALANCING_NORMAL; default true). */
  normal?: boolean;
  /** Promote hot slow-tier pages (NUMA_BALANCING_MEMORY_TIERING; default false). */
  tiering?: boolean;
  /** Delay before a task's first scan (numa_balancing_scan_delay_ms, default 1000 ms). */
  scanDelayMs?: number;
  /** Shortest scan period (numa_balancing_scan_period_min_ms, default 1000 ms). */
  scanPeriodMinMs?: number;
  /** Longest scan period (numa_balancing_scan_period_max_ms, default 60000 ms). */
  scanPeriodMaxMs?: number;
  /** Present memory armed per scan (numa_balancing_scan_size_mb, default 256 MiB). */
  scanSizeBytes?: number;
  /** Tiering: a fault within this long of the scan that armed the page marks it hot (default 1000 ms). */
  hotThresholdMs?: number;
  /** Tiering: promotions per target node per second, in MiB/s (default 65536, the kernel's). */
  promoteRateLimitMBps?: number;
  /** Handler time of one hint fault beyond the framework's own fault cost (ns, default 200). */
  handlerNs?: number;
  /** Hinting framework mode, when this call creates the framework (default generic). */
  hintingMode?: HintingMode;
  /** Start enabled (default true). */
  enabled?: boolean;
  /** Tiering: slow-tier hint faults go to this hotness tracker (pghot), which decides promotions. */
  hotness?: HotnessSink;
}

/** One scan window of a task: the faults between two scans and the period chosen after it. */
export interface ScanWindow {
  endNs: number;
  local: number;
  remote: number;
  periodMs: number;
}

export interface NumaTaskStats {
  pid: number;
  scans: number;
  pagesArmed: number;
  /** Faults by the node of the faulting page. */
  faultsByPageNode: number[];
  local: number;
  remote: number;
  /** Node holding most of the task's faulted pages (the kernel's preferred node, without task placement). */
  preferredNode: number;
  scanPeriodMs: number;
  windows: ScanWindow[];
}

export interface NumaBalancingStats {
  scans: number;
  pagesArmed: number;
  /** Scanner time (arming + TLB flushes), ns. */
  scanNs: number;
  faults: number;
  /** Faults by the faulting CPU's node: the page was on that node (local) or not (remote). */
  byCpuNode: { local: number; remote: number }[];
  /** Misplaced pages migrated to the faulting node (normal mode). */
  migrations: number;
  /** Misplaced faults not migrated because the previous fault on the page came from elsewhere. */
  filteredByLastNode: number;
  /** Migrations or promotions that found the target node full. */
  migrationFailures: number;
  /** Slow-tier pages promoted to the faulting (fast) node. */
  promotions: number;
  /** Slow-tier faults that came later than the hot threshold after the scan. */
  notHot: number;
  /** Hot slow-tier faults not promoted because the node's promotion budget for the second was spent. */
  rateLimited: number;
  /** Most pages promoted to one node in one 1-second rate-limit window. */
  maxPromotedInWindow: number;
  tasks: NumaTaskStats[];
}
