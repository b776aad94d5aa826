/**
 * The booted guest (Debian's 6.12 kernel under qemu TCG) has no data-attribute probes
 * and no sample control: asked for them, the guest's /init looks for the files
 * (`[ -e … ]`, reading only) before any write of them and refuses, naming the kernel
 * feature, and damon-ts reports that refusal. Nothing of a probe is ever written.
 * Skips when qemu is not installed (scripts/install-vm-deps.sh installs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseKdamonds } from "../../src/config/kdamonds.js";
import { runVm } from "../../src/vm/run.js";
import { VmSetupError } from "../../src/vm/kernel-image.js";

const haveQemu =
  spawnSync("sh", ["-c", "command -v qemu-system-x86_64 && command -v busybox"], { stdio: "ignore" })
    .status === 0;
const skip = haveQemu
  ? false
  : "qemu-system-x86_64 or busybox not installed (run scripts/install-vm-deps.sh)";

function kdamonds(extra: Record<string, unknown>) {
  return parseKdamonds({
    kdamonds: [{ contexts: [{ ops: "vaddr", targets: [{ pid: 0, regions: [] }], ...extra }] }],
  });
}

async function guestRefusal(extra: Record<string, unknown>): Promise<string> {
  try {
    await runVm({
      workloadFile: fileURLToPath(new URL("./tiny-stairs.cfg", import.meta.url)),
      kdamonds: kdamonds(extra),
      durationMs: 1000,
    });
  } catch (e) {
    assert.ok(e instanceof VmSetupError, String(e));
    return e.message;
  }
  assert.fail("the 6.12 guest accepted a configuration it has no files for");
}

void test(
  "6.12 guest: a probe is refused by reading, naming Linux 7.2",
  { skip, timeout: 240_000 },
  async () => {
    const msg = await guestRefusal({
      probes: [{ filters: [{ filter_type: "anon", matching: true, allow: true, path: null }] }],
    });
    assert.match(msg, /the guest reported: .*monitoring_attrs\/probes\/nr_probes does not exist/);
    assert.match(msg, /needs Linux 7\.2\+ data-attribute probes/);
  },
);

void test(
  "6.12 guest: sample primitives are refused by reading, naming the sample-control RFC",
  { skip, timeout: 240_000 },
  async () => {
    const msg = await guestRefusal({
      sample_control: { primitives_enabled: { page_table: false, page_fault: true }, sample_filters: [] },
    });
    assert.match(
      msg,
      /the guest reported: .*monitoring_attrs\/sample\/primitives\/page_table does not exist/,
    );
    assert.match(msg, /needs sample primitives and sample filters/);
  },
);

// In CI the guest tests must run: a missing qemu is a failure there, not a silent skip.
test(
  "qemu and busybox present (required when CI=true)",
  { skip: process.env.CI === "true" ? false : "only required when CI=true" },
  () => {
    assert.ok(
      haveQemu,
      "qemu-system-x86_64 and busybox must be installed in CI (scripts/install-system-deps.sh)",
    );
  },
);
