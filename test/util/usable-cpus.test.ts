/**
 * usableCpus / cgroupCpuQuota (issue 17: the decode-ahead worker and sweep's pool
 * size follow the CPUs a process may keep busy). Each test builds a made-up root
 * (proc/self/cgroup and the cgroup files under sys/fs/cgroup) in a temp folder:
 * the real ones are only read, never written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cgroupCpuQuota, usableCpus } from "../../src/util/usable-cpus.js";

/** A root with `files` (path under the root → contents); removed after `body`. */
function withRoot(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), "damon-ts-cpus-"));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test("cgroup v2: the quota of the process's cgroup, 'max' is none", () => {
  withRoot(
    {
      "proc/self/cgroup": "0::/user.slice/job.scope\n",
      "sys/fs/cgroup/user.slice/job.scope/cpu.max": "150000 100000\n",
      "sys/fs/cgroup/user.slice/cpu.max": "max 100000\n",
    },
    (root) => {
      assert.equal(cgroupCpuQuota(root), 1.5);
      assert.equal(usableCpus(root), 1, "1.5 CPUs of quota is one CPU, sometimes throttled");
    },
  );
  withRoot({ "proc/self/cgroup": "0::/a\n", "sys/fs/cgroup/a/cpu.max": "max 100000\n" }, (root) => {
    assert.equal(cgroupCpuQuota(root), null);
    assert.equal(usableCpus(root), availableParallelism());
  });
});

test("cgroup v2: an ancestor's tighter quota counts; a namespaced '/' reads the mount's own file", () => {
  withRoot(
    {
      "proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
      "sys/fs/cgroup/kubepods/pod1/ctr/cpu.max": "400000 100000",
      "sys/fs/cgroup/kubepods/pod1/cpu.max": "50000 100000",
      "sys/fs/cgroup/kubepods/cpu.max": "800000 100000",
    },
    (root) => {
      assert.equal(cgroupCpuQuota(root), 0.5);
      assert.equal(usableCpus(root), 1, "never below one");
    },
  );
  withRoot({ "proc/self/cgroup": "0::/\n", "sys/fs/cgroup/cpu.max": "300000 100000\n" }, (root) =>
    assert.equal(cgroupCpuQuota(root), 3),
  );
  // The process's path is not under this mount (another namespace): the mount's root still counts.
  withRoot({ "proc/self/cgroup": "0::/elsewhere/x\n", "sys/fs/cgroup/cpu.max": "200000 100000\n" }, (root) =>
    assert.equal(cgroupCpuQuota(root), 2),
  );
});

test("cgroup v1: cfs quota over period in the cpu controller's hierarchy, −1 is none", () => {
  withRoot(
    {
      "proc/self/cgroup": "9:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n",
      "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "100000\n",
      "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
      "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
    },
    (root) => {
      assert.equal(cgroupCpuQuota(root), 1);
      assert.equal(usableCpus(root), 1);
    },
  );
  withRoot(
    {
      "proc/self/cgroup": "1:cpu:/\n",
      "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
      "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    },
    (root) => assert.equal(cgroupCpuQuota(root), null),
  );
});

test("a quota above the affinity mask's CPUs does not raise the count", () => {
  withRoot({ "proc/self/cgroup": "0::/big\n", "sys/fs/cgroup/big/cpu.max": "100000000 100000\n" }, (root) => {
    assert.equal(cgroupCpuQuota(root), 1000);
    assert.equal(usableCpus(root), availableParallelism());
  });
});

test("missing, unreadable or malformed files count as no limit", () => {
  withRoot({}, (root) => assert.equal(cgroupCpuQuota(root), null));
  withRoot(
    {
      "proc/self/cgroup": "garbage\n0::/a\n3:cpu:/b\n",
      "sys/fs/cgroup/a/cpu.max": "fifty 100000\n",
      "sys/fs/cgroup/cpu/b/cpu.cfs_quota_us": "50000\n",
      "sys/fs/cgroup/cpu/b/cpu.cfs_period_us": "0\n",
    },
    (root) => {
      assert.equal(cgroupCpuQuota(root), null);
      assert.equal(usableCpus(root), availableParallelism());
    },
  );
  // A path that climbs out of the mount is read as the mount's own.
  withRoot({ "proc/self/cgroup": "0::/../../etc\n", "sys/fs/cgroup/cpu.max": "100000 100000\n" }, (root) =>
    assert.equal(cgroupCpuQuota(root), 1),
  );
});

test("this machine: at least one CPU and no more than the affinity mask allows", () => {
  const n = usableCpus();
  assert.ok(Number.isInteger(n) && n >= 1 && n <= availableParallelism(), `usableCpus() = ${n}`);
  assert.equal(usableCpus(), n, "read once, the same after");
});
