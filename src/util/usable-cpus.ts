/**
 * How many CPUs this process may keep busy: the CPUs its affinity mask allows
 * (os.availableParallelism) capped by its cgroup's CPU quota. Node 20's libuv
 * (1.46) reads only the affinity mask, so in a container limited to one CPU
 * (`docker run --cpus 1`, a Kubernetes limit, a systemd CPUQuota) on a larger host
 * it reports the host's CPUs, and a worker thread started "because a core is
 * free" would take turns with the main thread on the one the quota allows instead.
 *
 * The quota is read, never written: cgroup v2's `cpu.max` and v1's
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`, in the process's own cgroup (from
 * /proc/self/cgroup) and every ancestor up to the mount point, under the usual
 * mount points (/sys/fs/cgroup, and /sys/fs/cgroup/cpu or cpu,cpuacct for v1). The
 * tightest one counts. Anything missing or unreadable counts as no limit.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** File contents, or null when it cannot be read. */
function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The folder of `cgroupPath` under `mount`, then each parent up to `mount` itself. */
function upTo(mount: string, cgroupPath: string): string[] {
  const parts = cgroupPath.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  const dirs: string[] = [];
  for (let k = parts.length; k >= 0; k--) dirs.push(join(mount, ...parts.slice(0, k)));
  return dirs;
}

/** CPUs a v2 `cpu.max` allows ("max 100000": none; "150000 100000": 1.5). */
function quotaV2(dir: string): number | null {
  const m = /^\s*(\d+|max)\s+(\d+)\s*$/.exec(readText(join(dir, "cpu.max")) ?? "");
  if (m === null || m[1] === "max" || Number(m[2]) <= 0) return null;
  return Number(m[1]) / Number(m[2]);
}

/** CPUs a v1 quota and period allow (quota −1: none). */
function quotaV1(dir: string): number | null {
  const q = Number(readText(join(dir, "cpu.cfs_quota_us"))?.trim() ?? NaN);
  const p = Number(readText(join(dir, "cpu.cfs_period_us"))?.trim() ?? NaN);
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return null;
  return q / p;
}

/**
 * CPUs the cgroup CPU quota allows this process (fractional: 1.5 for a quota of
 * 150 ms per 100 ms), or null when no quota applies or none can be read. `root`
 * is the filesystem root to read under (tests give a made-up tree).
 */
export function cgroupCpuQuota(root = "/"): number | null {
  const self = readText(join(root, "proc/self/cgroup"));
  if (self === null) return null;
  const fs = join(root, "sys/fs/cgroup");
  const limits: (number | null)[] = [];
  for (const line of self.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m === null) continue;
    const [, , controllers, path] = m;
    if (controllers === "") {
      // cgroup v2 (the unified hierarchy): one path for every controller.
      limits.push(...upTo(fs, path).map(quotaV2));
    } else if (controllers.split(",").includes("cpu")) {
      for (const mount of ["cpu", "cpu,cpuacct", "cpuacct,cpu"])
        limits.push(...upTo(join(fs, mount), path).map(quotaV1));
    }
  }
  const found = limits.filter((q): q is number => q !== null);
  return found.length === 0 ? null : Math.min(...found);
}

/**
 * CPUs this process may keep busy: availableParallelism() capped by the cgroup
 * quota, rounded down (a quota of 1.5 CPUs is one CPU that is sometimes
 * throttled, not two), at least 1.
 */
export function usableCpus(root = "/"): number {
  const affinity = availableParallelism();
  const quota = root === "/" ? (ownQuota ??= { cpus: cgroupCpuQuota() }).cpus : cgroupCpuQuota(root);
  return quota === null ? affinity : Math.max(1, Math.min(affinity, Math.floor(quota)));
}

/** This process's quota, read once (every replay asks). */
let ownQuota: { cpus: number | null } | undefined;
