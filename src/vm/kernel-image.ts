/**
 * The guest kernel: the newest `linux-image-6.12.*-cloud-amd64` from Debian's archive
 * (DAMON vaddr/paddr/sysfs enabled; ecosystem.md §7), fetched with `apt-get download`
 * and unpacked with `dpkg-deb`, cached as `vmlinuz-<version>` in the cache folder.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export class VmSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VmSetupError";
  }
}

const PKG = /^linux-image-(6\.12\.\d+[^\s]*-cloud-amd64)$/;

/** Compares Debian-like versions by their numeric fields (6.12.117+deb12 > 6.12.99+deb12). */
export function compareKernelVersions(a: string, b: string): number {
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Newest matching package version from `apt-cache search` output (meta-packages skipped). */
export function newestKernelPackage(aptCacheOutput: string): string | null {
  const versions = aptCacheOutput
    .split("\n")
    .map((l) => PKG.exec(l.split(" - ")[0].trim())?.[1])
    .filter((v): v is string => v !== undefined);
  versions.sort(compareKernelVersions);
  return versions.at(-1) ?? null;
}

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** A cached vmlinuz (newest version) if there is one. */
export function cachedKernel(cacheDir: string): { vmlinuz: string; version: string } | null {
  if (!existsSync(cacheDir)) return null;
  const vs = readdirSync(cacheDir)
    .map((f) => /^vmlinuz-(.+)$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort(compareKernelVersions);
  const v = vs.at(-1);
  return v ? { vmlinuz: join(cacheDir, `vmlinuz-${v}`), version: v } : null;
}

/** Returns a DAMON-enabled vmlinuz, downloading it once. */
export function ensureKernel(
  cacheDir: string,
  progress: (msg: string) => void,
  refresh = false,
): { vmlinuz: string; version: string } {
  const cached = cachedKernel(cacheDir);
  if (cached && !refresh) return cached;
  for (const c of ["apt-cache", "apt-get", "dpkg-deb", "tar"])
    if (!have(c))
      throw new VmSetupError(
        `'${c}' is missing: the guest kernel comes from Debian's archive (a Debian host is needed)`,
      );
  const search = execFileSync("apt-cache", ["search", "--names-only", "^linux-image-6\\.12.*-cloud-amd64$"], {
    encoding: "utf8",
  });
  const version = newestKernelPackage(search);
  if (!version)
    throw new VmSetupError(
      "no linux-image-6.12.*-cloud-amd64 package is known to apt: run `apt-get update` (the 6.12 kernels are in bookworm-security)",
    );
  if (cached && cached.version === version) return cached;
  mkdirSync(cacheDir, { recursive: true });
  const work = join(cacheDir, `download-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    progress(`downloading linux-image-${version} (about 35 MB)`);
    const dl = spawnSync("apt-get", ["download", `linux-image-${version}`], { cwd: work, encoding: "utf8" });
    if (dl.status !== 0)
      throw new VmSetupError(
        `apt-get download linux-image-${version} failed: ${(dl.stderr || dl.stdout).trim().split("\n").at(-1)}`,
      );
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (!deb) throw new VmSetupError("apt-get download produced no .deb");
    const x = spawnSync(
      "sh",
      ["-c", `dpkg-deb --fsys-tarfile "$1" | tar -x --wildcards './boot/vmlinuz-*'`, "sh", join(work, deb)],
      { cwd: work, encoding: "utf8" },
    );
    const boot = join(work, "boot");
    const vmlinuz = existsSync(boot) ? readdirSync(boot).find((f) => f.startsWith("vmlinuz-")) : undefined;
    if (x.status !== 0 || !vmlinuz)
      throw new VmSetupError(`could not unpack vmlinuz from ${deb}: ${x.stderr.trim()}`);
    const dest = join(cacheDir, `vmlinuz-${version}`);
    renameSync(join(boot, vmlinuz), dest);
    return { vmlinuz: dest, version };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
