/**
 * Boots the guest in qemu-system-x86_64 under TCG. `pti=on` is required: without
 * page-table isolation qemu's software TLB is not flushed on return to user space, so
 * a page whose Accessed bit DAMON cleared is never marked again and DAMON sees no
 * accesses at all (ecosystem.md §7). `norandmaps`: without it the static workload's
 * brk heap lands a random 0..~1 GiB above its binary and the vaddr target carries that
 * idle gap (47 MB to 740 MB from run to run), which makes runs incomparable with each
 * other and with the simulator (docs/fidelity.md). No network (`-nic none`). The console (ttyS0)
 * is streamed to the caller; ttyS1 goes to a file (the trace stream).
 */
import { spawn, spawnSync } from "node:child_process";
import { VmSetupError } from "./kernel-image.js";

export interface QemuOptions {
  vmlinuz: string;
  initrd: string;
  /** File that receives the guest's second serial port. */
  serial1File: string;
  memoryMiB?: number;
  /** 1 (default) or 2 NUMA nodes, one CPU each. */
  numaNodes?: number;
  /** Kill qemu after this long (ms). */
  timeoutMs: number;
  onConsoleLine?: (line: string) => void;
}

export function qemuBinary(): string {
  const r = spawnSync("sh", ["-c", "command -v qemu-system-x86_64"], { encoding: "utf8" });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p)
    throw new VmSetupError(
      "qemu-system-x86_64 is not installed: apt-get install -y --no-install-recommends qemu-system-x86 busybox-static (or scripts/install-vm-deps.sh)",
    );
  return p;
}

export function qemuArgs(o: QemuOptions): string[] {
  const mem = o.memoryMiB ?? 512;
  const nodes = o.numaNodes ?? 1;
  const args = [
    "-accel",
    "tcg",
    "-m",
    String(mem),
    "-no-reboot",
    "-nic",
    "none",
    "-display",
    "none",
    "-monitor",
    "none",
  ];
  if (nodes > 1) {
    const per = Math.floor(mem / nodes);
    args.push("-smp", String(nodes));
    for (let i = 0; i < nodes; i++) {
      args.push("-object", `memory-backend-ram,id=m${i},size=${per}M`);
      args.push("-numa", `node,nodeid=${i},cpus=${i},memdev=m${i}`);
    }
  } else {
    args.push("-smp", "1");
  }
  args.push("-serial", "stdio", "-serial", `file:${o.serial1File}`);
  args.push("-kernel", o.vmlinuz, "-initrd", o.initrd);
  // no_timer_check: under TCG on a loaded host the guest's IO-APIC timer probe can
  // miss its window and panic ("IO-APIC + timer doesn't work"); skipping the probe
  // changes nothing DAMON sees.
  args.push("-append", "console=ttyS0 rdinit=/init panic=-1 quiet pti=on norandmaps no_timer_check");
  return args;
}

/** Runs qemu to completion; resolves with the console text. */
export function runQemu(
  o: QemuOptions,
): Promise<{ console: string; exitCode: number | null; timedOut: boolean }> {
  const bin = qemuBinary();
  if (o.numaNodes !== undefined && o.numaNodes > 1 && (o.memoryMiB ?? 512) % o.numaNodes !== 0)
    throw new VmSetupError("memory must divide evenly between NUMA nodes");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, qemuArgs(o), { stdio: ["pipe", "pipe", "pipe"] });
    let console = "";
    let pending = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, o.timeoutMs);
    child.stdout.on("data", (b: Buffer) => {
      const s = b.toString("latin1");
      console += s;
      pending += s;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? "";
      for (const l of lines) o.onConsoleLine?.(l);
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (pending) o.onConsoleLine?.(pending);
      if (code !== 0 && !timedOut && stderr.trim())
        reject(
          new VmSetupError(`qemu failed (exit ${code}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`),
        );
      else resolve({ console, exitCode: code, timedOut });
    });
  });
}
