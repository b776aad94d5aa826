/**
 * Measures what the `guest` machine profile (src/mm/machine-profile.ts) needs from the
 * qemu guest of `damon-ts vm`, by booting it with the same kernel, qemu options and
 * busybox initramfs and an init script that prints:
 *
 *   - the CPU flags of /proc/cpuinfo (is `pcid` there?),
 *   - /sys/devices/system/cpu/vulnerabilities/meltdown (is PTI on?) and /proc/cmdline,
 *   - the local timer interrupts (LOC in /proc/interrupts) counted over a busy shell
 *     loop, divided by the guest's uptime for the loop: the tick rate while a task runs.
 *
 *   npx tsx scripts/measure-guest.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildInitramfs, buildWorkload, findBusybox } from "../src/vm/guest-build.js";
import { ensureKernel } from "../src/vm/kernel-image.js";
import { runQemu } from "../src/vm/qemu.js";
import { defaultCacheDir } from "../src/vm/run.js";

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "MEASURE cmdline $(cat /proc/cmdline)"
echo "MEASURE meltdown $(cat /sys/devices/system/cpu/vulnerabilities/meltdown)"
echo "MEASURE model $(grep -m1 'model name' /proc/cpuinfo)"
echo "MEASURE flags $(grep -m1 '^flags' /proc/cpuinfo)"
loc() { awk '/LOC:/ { print $2 }' /proc/interrupts; }
up() { awk '{ print $1 }' /proc/uptime; }
l0=$(loc); u0=$(up)
i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done
l1=$(loc); u1=$(up)
echo "MEASURE loc $l0 $l1 uptime $u0 $u1"
poweroff -f
`;

const say = (m: string) => process.stderr.write(`${m}\n`);
const cacheDir = defaultCacheDir();
const kernel = ensureKernel(cacheDir, say, false);
const work = mkdtempSync(join(tmpdir(), "damon-ts-measure-"));
try {
  const initrd = join(work, "initrd.gz");
  buildInitramfs(initrd, {
    busybox: findBusybox(),
    workloadBinary: buildWorkload(cacheDir, say),
    workloadConfig: "",
    initScript: INIT,
  });
  const r = await runQemu({
    vmlinuz: kernel.vmlinuz,
    initrd,
    serial1File: join(work, "s1"),
    timeoutMs: 600_000,
  });
  const lines = r.console.split(/\r?\n/).filter((l) => l.startsWith("MEASURE"));
  for (const l of lines) console.log(l);
  const m = /MEASURE loc (\d+) (\d+) uptime ([\d.]+) ([\d.]+)/.exec(lines.join("\n"));
  if (m) {
    const ticks = Number(m[2]) - Number(m[1]);
    const secs = Number(m[4]) - Number(m[3]);
    console.log(
      `kernel ${kernel.version}: ${ticks} local timer interrupts in ${secs.toFixed(2)} s of guest time = ${(ticks / secs).toFixed(1)} Hz`,
    );
  }
  const flags = lines.find((l) => l.startsWith("MEASURE flags")) ?? "";
  console.log(
    `pcid flag: ${/\bpcid\b/.test(flags) ? "yes" : "no"}; invpcid: ${/\binvpcid\b/.test(flags) ? "yes" : "no"}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
