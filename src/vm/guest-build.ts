/**
 * Builds what goes into the guest: the static workload program from
 * native/guest/masim-guest.c (cached by source hash) and the initramfs (busybox-static,
 * the workload, its configuration and the generated /init) as a gzipped newc cpio made
 * with `busybox cpio` (there is no cpio binary here).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { writeFileAtomic } from "../util/atomic-write.js";
import { GUEST_WORKLOAD, GUEST_WORKLOAD_CONFIG } from "./guest-script.js";
import { VmSetupError } from "./kernel-image.js";

/** native/guest/masim-guest.c, found relative to this module (works from src/ and dist/). */
export function workloadSource(): string {
  return fileURLToPath(new URL("../../native/guest/masim-guest.c", import.meta.url));
}

export function findBusybox(): string {
  for (const p of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (existsSync(p)) {
      const ldd = spawnSync("sh", ["-c", `file -L ${p} 2>/dev/null || true`], { encoding: "utf8" }).stdout;
      if (!/dynamically linked/.test(ldd)) return p;
    }
  }
  throw new VmSetupError(
    "a static busybox is needed for the guest: apt-get install -y --no-install-recommends busybox-static",
  );
}

/** Compiles the workload statically, once per source version. */
export function buildWorkload(cacheDir: string, progress: (m: string) => void): string {
  const src = workloadSource();
  if (!existsSync(src)) throw new VmSetupError(`workload source not found at ${src}`);
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 16);
  const out = join(cacheDir, `masim-guest-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  progress("compiling the guest workload (gcc -static)");
  const tmp = `${out}.tmp${process.pid}`;
  const r = spawnSync("gcc", ["-static", "-O2", "-Wall", "-o", tmp, src], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new VmSetupError(
      `building the guest workload failed${r.error ? " (is gcc installed? apt-get install -y gcc libc6-dev)" : ""}: ${(r.stderr ?? String(r.error)).trim()}`,
    );
  renameSync(tmp, out);
  return out;
}

export interface InitramfsInput {
  busybox: string;
  workloadBinary: string;
  workloadConfig: string;
  initScript: string;
}

/** Writes a gzipped newc initramfs to `dest`. */
export function buildInitramfs(dest: string, input: InitramfsInput): void {
  const dir = `${dest}.d`;
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "dev", "proc", "sys", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(input.busybox, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  copyFileSync(input.workloadBinary, join(dir, GUEST_WORKLOAD.slice(1)));
  chmodSync(join(dir, GUEST_WORKLOAD.slice(1)), 0o755);
  writeFileSync(join(dir, GUEST_WORKLOAD_CONFIG.slice(1)), input.workloadConfig);
  writeFileSync(join(dir, "init"), input.initScript, { mode: 0o755 });
  const list = [
    "bin",
    "bin/busybox",
    GUEST_WORKLOAD.slice(1),
    "dev",
    "proc",
    "sys",
    "tmp",
    GUEST_WORKLOAD_CONFIG.slice(1),
    "init",
  ];
  const r = spawnSync(input.busybox, ["cpio", "-o", "-H", "newc"], {
    cwd: dir,
    input: `${list.join("\n")}\n`,
    maxBuffer: 256 * 2 ** 20,
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new VmSetupError(`busybox cpio failed: ${r.stderr.toString().trim()}`);
  writeFileAtomic(dest, gzipSync(r.stdout));
}
