/**
 * Boots the real guest (Debian's DAMON-enabled 6.12 kernel under qemu TCG) on a tiny
 * stairs workload and checks the kernel's DAMON found each phase's hot region.
 * Skips when qemu is not installed (scripts/install-vm-deps.sh installs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { simpleKdamonds } from "../../src/config/kdamonds.js";
import { runVm, summarizePhases } from "../../src/vm/run.js";

const haveQemu =
  spawnSync("sh", ["-c", "command -v qemu-system-x86_64 && command -v busybox"], { stdio: "ignore" })
    .status === 0;

void test(
  "a real kernel's DAMON in qemu finds the hot region of each phase (tiny stairs)",
  {
    skip: haveQemu ? false : "qemu-system-x86_64 or busybox not installed (run scripts/install-vm-deps.sh)",
    timeout: 240_000,
  },
  async () => {
    const minR = 10;
    const maxR = 1000;
    const r = await runVm({
      workloadFile: fileURLToPath(new URL("./tiny-stairs.cfg", import.meta.url)),
      kdamonds: simpleKdamonds({ targetPid: 0, minNrRegions: minR, maxNrRegions: maxR }),
      durationMs: 6500,
    });
    assert.ok(r.snapshots.length >= 20, `only ${r.snapshots.length} snapshots`);
    assert.deepEqual(
      r.regions.map((x) => x.name),
      ["a", "b", "c"],
    );
    for (const s of r.snapshots) {
      // vaddr: three-region layout then merge/split; the kernel keeps the count within bounds
      assert.ok(s.regions.length >= 3 && s.regions.length <= maxR, `${s.regions.length} regions`);
      for (let i = 0; i < s.regions.length; i++) {
        const g = s.regions[i];
        assert.ok(g.start < g.end);
        if (i > 0) assert.ok(s.regions[i - 1].end <= g.start, "regions sorted, not overlapping");
        assert.ok(g.nrAccesses <= 20, "at most aggr/sample samples");
      }
      assert.ok(s.endNs > s.startNs);
    }
    const phases = summarizePhases(r);
    const expected = ["a", "b", "c"];
    for (const [i, p] of phases.entries()) {
      if (p.snapshots < 3) continue; // the run may end before the last phase settles
      assert.equal(p.hottest, expected[i], `phase ${p.phase}`);
      assert.ok(p.agreement >= 0.6, `phase ${p.phase}: agreement ${p.agreement}`);
    }
    assert.ok(phases.filter((p) => p.snapshots >= 3).length >= 2, "at least two phases observed");
  },
);
