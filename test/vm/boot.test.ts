/**
 * Boots the real guest (Debian's DAMON-enabled 6.12 kernel under qemu TCG) on a tiny
 * stairs workload and checks the kernel's DAMON found each phase's hot region.
 * Skips when qemu is not installed (scripts/install-vm-deps.sh installs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseKdamonds } from "../../src/config/kdamonds.js";
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
      // damo's schema end to end: the real kernel must accept every write of the plan
      kdamonds: parseKdamonds({
        kdamonds: [
          {
            contexts: [
              {
                ops: "vaddr",
                targets: [{ pid: 0, regions: [] }],
                nr_regions: { min: minR, max: maxR },
                schemes: [
                  {
                    action: "stat",
                    access_pattern: {
                      sz_bytes: { min: "4 KiB", max: "max" },
                      nr_accesses: { min: "50 %", max: "100 %" },
                    },
                  },
                  {
                    action: "stat",
                    access_pattern: { age: { min: "1 s", max: "max" } },
                    quotas: {
                      time_ms: "10 ms",
                      sz_bytes: "1 MiB",
                      reset_interval_ms: "100 ms",
                      goals: [{ metric: "user_input", target_value: "10,000", current_value: "5,000" }],
                      weights: { sz_permil: "0 %", nr_accesses_permil: "0.3 %", age_permil: "0.7 %" },
                    },
                    filters: [{ filter_type: "anon", matching: false, allow: false }],
                  },
                ],
              },
            ],
          },
        ],
      }),
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
    // both schemes ran: the hot-region stat scheme tried regions of hot bytes
    assert.equal(r.schemeStats.length, 2);
    const hot = r.schemeStats[0].stats;
    assert.ok(hot.nrTried > 0 && hot.szTried >= 4096, JSON.stringify(hot));
    assert.equal(hot.szApplied, 0, "stat applies nothing");
  },
);
