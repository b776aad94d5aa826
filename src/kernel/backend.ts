/**
 * Drives a kernel's DAMON through its sysfs tree (spec §7): applies a kdamonds
 * configuration, runs state commands, reads statistics and tried regions back.
 * Safety: it refuses to touch kdamonds it did not create (ownership.ts), can print
 * every write instead of doing it (dry run), and explains each failed write.
 */
import type { KdamondsConfig } from "../config/kdamonds.js";
import { ForeignKdamondsError, KernelWriteError, SysfsMissingError, explainWriteErrno } from "./errors.js";
import {
  assertOwned,
  clearOwnership,
  defaultOwnershipFile,
  readKdamondStates,
  readOwnership,
  writeOwnership,
  type KdamondState,
} from "./ownership.js";
import type { RegionSnapshot, SchemeStats } from "./snapshot.js";
import { dryRunIo, fsSysfsIo, type SysfsIo } from "./sysfs-io.js";
import { planCommit, planStart, planState, type StateCommand, type SysfsWrite } from "./write-plan.js";

export const DEFAULT_SYSFS_ROOT = "/sys/kernel/mm/damon/admin";

export interface KernelBackendOptions {
  /** DAMON sysfs admin directory; default /sys/kernel/mm/damon/admin. */
  root?: string;
  io?: SysfsIo;
  /** Print writes (through `print`) instead of doing them. */
  dryRun?: boolean;
  print?: (line: string) => void;
  /** Where the record of kdamonds we created lives (default per root, see ownership.ts). */
  ownershipFile?: string;
  /** Skip the foreign-kdamonds check. */
  takeOver?: boolean;
}

export interface KdamondStatus extends KdamondState {
  /** Whether damon-ts created this kdamond (state commands are only sent to ours). */
  ours: boolean;
  contexts: {
    ops: string;
    sampleUs: number;
    aggrUs: number;
    updateUs: number;
    nrTargets: number;
    schemes: { action: string; stats: SchemeStats | null }[];
  }[];
}

export class KernelBackend {
  readonly root: string;
  readonly dryRun: boolean;
  private readonly io: SysfsIo;
  /** The real file operations under `io` (the same object unless this is a dry run). */
  private readonly base: SysfsIo;
  private readonly ownershipFile: string;
  private readonly takeOver: boolean;

  constructor(opts: KernelBackendOptions = {}) {
    this.root = (opts.root ?? DEFAULT_SYSFS_ROOT).replace(/\/+$/, "");
    const base = opts.io ?? fsSysfsIo;
    this.base = base;
    this.dryRun = opts.dryRun ?? false;
    this.io = this.dryRun ? dryRunIo(base, opts.print ?? ((l) => console.log(l)), this.root) : base;
    this.ownershipFile = opts.ownershipFile ?? defaultOwnershipFile(this.root);
    this.takeOver = opts.takeOver ?? false;
  }

  private path(rel: string): string {
    return `${this.root}/${rel}`;
  }

  /** Whether the DAMON sysfs tree is there (its kdamonds/nr_kdamonds file). */
  hasTree(): boolean {
    return this.base.exists(this.path("kdamonds/nr_kdamonds"));
  }

  /** Throws unless the DAMON sysfs tree is there (a dry run goes on without it). */
  private requireTree(): void {
    if (this.dryRun) return;
    if (!this.io.exists(this.path("kdamonds/nr_kdamonds")))
      throw new SysfsMissingError(
        `DAMON sysfs not found at ${this.root}: the kernel lacks CONFIG_DAMON_SYSFS, sysfs is not mounted, or --sysfs-root is wrong`,
      );
  }

  /** Executes writes in order; optional files of newer kernels are skipped when absent. */
  apply(writes: SysfsWrite[]): void {
    for (const w of writes) {
      const file = this.path(w.path);
      if (!this.io.exists(file)) {
        if (w.ifPresent) continue;
        if (w.needs) throw new SysfsMissingError(`${file} does not exist: this setting needs ${w.needs}`);
      }
      try {
        this.io.write(file, w.value);
      } catch (e) {
        const errno = (e as NodeJS.ErrnoException).code;
        if (errno === undefined) throw e;
        throw new KernelWriteError(file, w.value, errno, explainWriteErrno(file, w.value, errno));
      }
    }
  }

  private states(): KdamondState[] {
    if (this.dryRun && !fsLike(this.io, this.path("kdamonds/nr_kdamonds"))) return [];
    return assertOwned(this.io, this.root, readOwnership(this.ownershipFile), this.takeOver);
  }

  /** Creates the configured kdamonds and turns them on. */
  start(config: KdamondsConfig): void {
    this.requireTree();
    const states = this.states();
    const running = states.filter((s) => s.state === "on");
    if (running.length > 0)
      throw new ForeignKdamondsError(
        `kdamond(s) ${running.map((s) => s.idx).join(", ")} are running: run \`damon-ts kernel stop\` first, or commit changes online`,
      );
    this.apply(planStart(config));
    if (!this.dryRun) {
      const after = readKdamondStates(this.io, this.root);
      writeOwnership(this.ownershipFile, {
        schema: "damon-ts/kernel-ownership/1",
        root: this.root,
        nrKdamonds: after.length,
        pids: after.map((s) => (s.state === "on" ? s.pid : -1)),
      });
    }
  }

  /** Rewrites the running kdamonds' trees and commits them online. */
  commit(config: KdamondsConfig): void {
    this.requireTree();
    const states = this.states();
    if (states.length !== config.kdamonds.length)
      throw new ForeignKdamondsError(
        `commit cannot change the number of kdamonds (${states.length} exist, the configuration has ${config.kdamonds.length}); stop and start instead`,
      );
    this.apply(planCommit(config));
  }

  /** Sends a state command to every kdamond we created that is running. */
  command(cmd: StateCommand): void {
    this.requireTree();
    const states = this.states();
    const on = states.filter((s) => s.state === "on");
    this.apply(planState(states.length, cmd).filter((_, i) => on.some((s) => s.idx === i)));
  }

  /** Turns our kdamonds off and removes them (nr_kdamonds 0). */
  stop(): void {
    this.requireTree();
    const states = this.states();
    this.apply(
      states.filter((s) => s.state === "on").map((s) => ({ path: `kdamonds/${s.idx}/state`, value: "off" })),
    );
    if (states.length > 0) this.apply([{ path: "kdamonds/nr_kdamonds", value: "0" }]);
    if (!this.dryRun) clearOwnership(this.ownershipFile);
  }

  private readNum(rel: string): number | null {
    const f = this.path(rel);
    return this.io.exists(f) ? Number(this.io.read(f)) : null;
  }

  /** A scheme's stats files (after `update_schemes_stats`). */
  readSchemeStats(ki: number, ci: number, si: number): SchemeStats {
    const d = `kdamonds/${ki}/contexts/${ci}/schemes/${si}/stats`;
    return {
      nrTried: this.readNum(`${d}/nr_tried`) ?? 0,
      szTried: this.readNum(`${d}/sz_tried`) ?? 0,
      nrApplied: this.readNum(`${d}/nr_applied`) ?? 0,
      szApplied: this.readNum(`${d}/sz_applied`) ?? 0,
      szOpsFilterPassed: this.readNum(`${d}/sz_ops_filter_passed`),
      qtExceeds: this.readNum(`${d}/qt_exceeds`) ?? 0,
      nrSnapshots: this.readNum(`${d}/nr_snapshots`),
    };
  }

  /** A scheme's tried regions (after `update_schemes_tried_regions`), sorted by address. */
  readTriedRegions(ki: number, ci: number, si: number): RegionSnapshot[] {
    const d = `kdamonds/${ki}/contexts/${ci}/schemes/${si}/tried_regions`;
    const names = numberedEntries(this.io.list(this.path(d)));
    const out = names.map((n) => {
      const r: RegionSnapshot = {
        start: this.readNum(`${d}/${n}/start`) ?? 0,
        end: this.readNum(`${d}/${n}/end`) ?? 0,
        nrAccesses: this.readNum(`${d}/${n}/nr_accesses`) ?? 0,
        age: this.readNum(`${d}/${n}/age`) ?? 0,
      };
      // 7.2+: probes/<k>/hits per tried region (damo 3.3 reads the same files)
      const probes = `${d}/${n}/probes`;
      const ks = numberedEntries(this.io.list(this.path(probes)));
      if (ks.length > 0) r.probeHits = ks.map((k) => this.readNum(`${probes}/${k}/hits`) ?? 0);
      return r;
    });
    return out.sort((a, b) => a.start - b.start);
  }

  /**
   * Reads every kdamond; refreshes stats (update_schemes_stats) only on running
   * kdamonds we own — a dry run prints that write instead, and reads what exists
   * (no tree at all: no kdamonds).
   */
  status(): KdamondStatus[] {
    if (this.dryRun && !this.hasTree()) return [];
    this.requireTree();
    const record = readOwnership(this.ownershipFile);
    const states = readKdamondStates(this.io, this.root);
    let ours = false;
    try {
      assertOwned(this.io, this.root, record, false);
      ours = states.length > 0;
    } catch (e) {
      if (!(e instanceof ForeignKdamondsError)) throw e;
    }
    if (ours)
      this.apply(planState(states.length, "update_schemes_stats").filter((_, i) => states[i].state === "on"));
    return states.map((s) => {
      const k = `kdamonds/${s.idx}/contexts`;
      const nrCtx = this.readNum(`${k}/nr_contexts`) ?? 0;
      const contexts = Array.from({ length: nrCtx }, (_, ci) => {
        const c = `${k}/${ci}`;
        const iv = `${c}/monitoring_attrs/intervals`;
        const nrSchemes = this.readNum(`${c}/schemes/nr_schemes`) ?? 0;
        return {
          ops: this.io.exists(this.path(`${c}/operations`))
            ? this.io.read(this.path(`${c}/operations`))
            : "?",
          sampleUs: this.readNum(`${iv}/sample_us`) ?? 0,
          aggrUs: this.readNum(`${iv}/aggr_us`) ?? 0,
          updateUs: this.readNum(`${iv}/update_us`) ?? 0,
          nrTargets: this.readNum(`${c}/targets/nr_targets`) ?? 0,
          schemes: Array.from({ length: nrSchemes }, (_, si) => ({
            action: this.io.read(this.path(`${c}/schemes/${si}/action`)),
            stats: s.state === "on" ? this.readSchemeStats(s.idx, ci, si) : null,
          })),
        };
      });
      return { ...s, ours, contexts };
    });
  }
}

/** In a dry run the tree may be absent: then there is nothing to check. */
function fsLike(io: SysfsIo, nrFile: string): boolean {
  try {
    io.read(nrFile);
    return true;
  } catch {
    return false;
  }
}

/** The numbered entries of a sysfs directory listing, in numeric order. */
function numberedEntries(names: string[]): number[] {
  return names
    .filter((n) => /^[0-9]+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}
