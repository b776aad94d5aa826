/**
 * `damon-ts vm run`: boots a DAMON-enabled Debian 6.12 kernel in qemu with a masim-format
 * workload, drives the guest's DAMON with the configuration, and returns the snapshots
 * the guest's damon_aggregated tracepoint produced, with the workload's region map and
 * phase times (guest CLOCK_MONOTONIC ns, the same clock as the trace).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleKdamonds, validateKdamonds, type KdamondsConfig } from "../config/kdamonds.js";
import type { Snapshot } from "../kernel/snapshot.js";
import { ConfigError, UsageError } from "../util/errors.js";
import { buildInitramfs, buildWorkload, findBusybox } from "./guest-build.js";
import { guestInitScript } from "./guest-script.js";
import { ensureKernel, VmSetupError } from "./kernel-image.js";
import { qemuBinary, runQemu } from "./qemu.js";
import {
  hottestWorkloadRegion,
  parseAggregatedTrace,
  parseConsole,
  type ConsoleInfo,
  type WorkloadPhase,
  type WorkloadRegion,
} from "./trace-parse.js";

export interface VmRunOptions {
  /** masim-format workload configuration file. */
  workloadFile?: string;
  /** The configuration's text instead of a file (one of the two is needed). */
  workloadText?: string;
  /** DAMON configuration; vaddr/fvaddr target pids are replaced by the workload's. Default: vaddr, damo's defaults. */
  kdamonds?: KdamondsConfig;
  durationMs: number;
  numaNodes?: number;
  memoryMiB?: number;
  repeat?: number;
  cacheDir?: string;
  refreshKernel?: boolean;
  progress?: (msg: string) => void;
}

export interface VmRunResult {
  kernelVersion: string;
  /** The DAMON configuration the guest applied (target pids stand for the workload's). */
  config: KdamondsConfig;
  snapshots: Snapshot[];
  /** Aggregations cut off at power-off. */
  droppedPartial: number;
  regions: WorkloadRegion[];
  phases: WorkloadPhase[];
  /** Scheme stats read in the guest just before DAMON was turned off. */
  schemeStats: ConsoleInfo["schemeStats"];
  /** NUMA nodes the guest kernel reported. */
  numaNodesSeen: number | null;
  /** Host wall-clock milliseconds. */
  timings: { setupMs: number; bootMs: number | null; damonOnMs: number | null; totalMs: number };
  console: string;
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "damon-ts", "vm");
}

/** damon-ts's own masim configs (workloads/masim), found from src/vm and dist/vm alike. */
export const SHIPPED_MASIM_DIR = fileURLToPath(new URL("../../workloads/masim/", import.meta.url));

/** Names of the shipped masim configs (`stairs_30secs`, ...), sorted. */
export function shippedMasimNames(): string[] {
  if (!existsSync(SHIPPED_MASIM_DIR)) return [];
  return readdirSync(SHIPPED_MASIM_DIR)
    .filter((f) => f.endsWith(".cfg"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/**
 * A workload argument: a file, or a name of a shipped masim config (`stairs_30secs`).
 * `otherChoices` (names the caller accepts besides files) are listed in the error.
 */
export function resolveWorkload(arg: string, otherChoices: readonly string[] = []): string {
  const candidates = [arg, `${arg}.cfg`, join(SHIPPED_MASIM_DIR, arg), join(SHIPPED_MASIM_DIR, `${arg}.cfg`)];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found)
    throw new UsageError(
      `no such workload file; choose one of ${[...new Set([...otherChoices, ...shippedMasimNames()])].join(", ")}, or give a masim config file`,
      arg,
    );
  return found;
}

/** The configuration the guest applies: the workload's pid stands in for every vaddr target's. */
function guestConfig(k: KdamondsConfig | undefined): KdamondsConfig {
  const cfg = structuredClone(k ?? simpleKdamonds({ targetPid: 0 }));
  for (const kd of cfg.kdamonds)
    for (const c of kd.contexts) for (const t of c.targets) if (c.ops !== "paddr") t.pid = 0;
  validateKdamonds(cfg);
  return cfg;
}

function workloadText(o: VmRunOptions): string {
  if (o.workloadText !== undefined) return o.workloadText;
  if (o.workloadFile === undefined) throw new ConfigError("no workload given", "workloadFile");
  return readFileSync(o.workloadFile, "utf8");
}

export async function runVm(o: VmRunOptions): Promise<VmRunResult> {
  const t0 = Date.now();
  const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1);
  const say = (m: string) => o.progress?.(`[${elapsed().padStart(5)}s] ${m}`);
  qemuBinary(); // fail early with the install hint
  const busybox = findBusybox();
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const kernel = ensureKernel(cacheDir, say, o.refreshKernel ?? false);
  const workload = buildWorkload(cacheDir, say);
  const config = guestConfig(o.kdamonds);
  const work = mkdtempSync(join(tmpdir(), "damon-ts-vm-"));
  try {
    const initrd = join(work, "initrd.gz");
    buildInitramfs(initrd, {
      busybox,
      workloadBinary: workload,
      workloadConfig: workloadText(o),
      initScript: guestInitScript({ config, durationMs: o.durationMs, repeat: o.repeat }),
    });
    const traceFile = join(work, "trace.txt");
    const setupMs = Date.now() - t0;
    say(
      `booting linux ${kernel.version} in qemu (TCG${o.numaNodes && o.numaNodes > 1 ? `, ${o.numaNodes} NUMA nodes` : ""})`,
    );
    let bootMs: number | null = null;
    let damonOnMs: number | null = null;
    const run = await runQemu({
      vmlinuz: kernel.vmlinuz,
      initrd,
      serial1File: traceFile,
      memoryMiB: o.memoryMiB,
      numaNodes: o.numaNodes,
      timeoutMs: 120_000 + o.durationMs * 3,
      onConsoleLine: (l) => {
        if (l.includes("DTS-STATUS booted")) {
          bootMs = Date.now() - t0;
          say("guest booted");
        } else if (l.includes("DTS-STATUS damon-on")) {
          damonOnMs = Date.now() - t0;
          say(`DAMON on; monitoring for ${(o.durationMs / 1000).toFixed(1)} s`);
        } else if (l.includes("DTS-STATUS done")) say("monitoring done; powering off");
        else if (l.includes("DTS-PHASE")) say(`workload phase: ${l.split(" ").slice(3).join(" ")}`);
        else if (l.includes("DTS-ERROR")) say(l.slice(l.indexOf("DTS-ERROR")));
      },
    });
    const info = parseConsole(run.console);
    if (info.errors.length > 0) throw new VmSetupError(`the guest reported: ${info.errors.join("; ")}`);
    if (run.timedOut)
      throw new VmSetupError(
        "the guest did not finish in time (qemu killed); console tail: " + run.console.slice(-300),
      );
    if (!info.status.some((s) => s.startsWith("done"))) {
      const panic = run.console.indexOf("Kernel panic");
      const oops = run.console.search(/BUG:|Oops|general protection/);
      const at = oops >= 0 ? oops : panic;
      const excerpt = at >= 0 ? run.console.slice(at, at + 600) : run.console.slice(-400);
      throw new VmSetupError(
        `the guest stopped before finishing${at >= 0 ? " (the guest kernel crashed)" : ""}: ${excerpt}`,
      );
    }
    const aggrUs = config.kdamonds[0].contexts[0].intervals.aggrUs;
    const trace = existsSync(traceFile) ? readFileSync(traceFile, "latin1") : "";
    const { snapshots, droppedPartial } = parseAggregatedTrace(trace, aggrUs);
    say(`${snapshots.length} snapshots`);
    return {
      kernelVersion: kernel.version,
      config,
      snapshots,
      droppedPartial,
      regions: info.regions,
      phases: info.phases,
      numaNodesSeen: numaNodesOf(info.status),
      schemeStats: info.schemeStats,
      timings: { setupMs, bootMs, damonOnMs, totalMs: Date.now() - t0 },
      console: run.console,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface PhaseSummary {
  phase: string;
  snapshots: number;
  /** The workload region with most access weight in most of the phase's snapshots. */
  hottest: string | null;
  /** Share of the phase's snapshots that agree on `hottest`. */
  agreement: number;
}

/** Per workload phase: which region DAMON saw as hottest (skipping the first `settleNs` of each phase). */
export function summarizePhases(
  r: Pick<VmRunResult, "snapshots" | "phases" | "regions">,
  settleNs = 300e6,
): PhaseSummary[] {
  return r.phases.map((p, i) => {
    const end = r.phases[i + 1]?.startNs ?? Number.POSITIVE_INFINITY;
    const inPhase = r.snapshots.filter((s) => s.startNs >= p.startNs + settleNs && s.endNs <= end);
    const votes = new Map<string, number>();
    for (const s of inPhase) {
      const h = hottestWorkloadRegion(s, r.regions);
      if (h) votes.set(h, (votes.get(h) ?? 0) + 1);
    }
    let hottest: string | null = null;
    let n = 0;
    for (const [k, v] of votes) if (v > n) [hottest, n] = [k, v];
    return {
      phase: p.name,
      snapshots: inPhase.length,
      hottest,
      agreement: inPhase.length ? n / inPhase.length : 0,
    };
  });
}

function numaNodesOf(status: string[]): number | null {
  const line = status.find((s) => s.startsWith("nodes "));
  return line ? Number(line.split(" ")[1]) : null;
}
