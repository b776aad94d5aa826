/**
 * A fresh clone works from the repository alone: the tests read the project's own
 * workload configs, leave no temp folders behind, and the tests that need the damo
 * peer data (outside the repository) skip with a notice — or fail under CI=true.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === "node_modules" || n.startsWith(".")) return [];
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(n) ? [p] : [];
  });
}

function runTests(testFiles: string[], env: NodeJS.ProcessEnv): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", ...testFiles], {
    cwd: ROOT,
    // without NODE_TEST_CONTEXT the child is a test run of its own, not part of ours
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT")),
      ...env,
    },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

// fails before the fix: 12 tests read ../shared/workloads/masim/*.cfg
test("no test reads files outside the repository except the peer data, through test/helpers/peer.ts", () => {
  const offenders = files(join(ROOT, "test"), /\.ts$/)
    .filter((f) => !f.endsWith(join("helpers", "peer.ts")) && f !== fileURLToPath(import.meta.url))
    .filter((f) => /\.\.\/\.\.\/\.\.\/shared|\.\.\/shared\//.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders, []);
});

// fails before the fix: README and docs pointed at ../shared/docs and ../shared/workloads
test("README and docs link nothing outside the repository", () => {
  const docs = [join(ROOT, "README.md"), ...files(join(ROOT, "docs"), /\.md$/)];
  const bad: string[] = [];
  for (const f of docs) {
    readFileSync(f, "utf8")
      .split("\n")
      .forEach((line, i) => {
        // a relative link may climb out of docs/ to the repository's root, never beyond it
        const outside = [...line.matchAll(/\]\(([^)#\s]+)/g)]
          .map((m) => m[1])
          .filter((target) => !/^[a-z]+:/.test(target))
          .some((target) => relative(ROOT, resolve(dirname(f), target)).startsWith(".."));
        if (outside || /\.\.\/shared\b/.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(bad, []);
});

test("without the peer data: a visible notice and skips; under CI=true: a failure", () => {
  const env = { DAMON_TS_PEER: join(tmpdir(), "no-such-damo-peer") };
  const local = runTests(["test/report/cli.test.ts"], { ...env, CI: "" });
  assert.equal(local.code, 0, local.out);
  assert.match(local.out, /NOTICE: skipping the tests that need it: damo peer data not found/);
  assert.match(local.out, /# SKIP damo peer data not found/);
  const ci = runTests(["test/report/cli.test.ts"], { ...env, CI: "true" });
  assert.notEqual(ci.code, 0);
  assert.match(ci.out, /not ok .* damo peer data is present \(required when CI=true\)/);
});

// fails before the fix: fake-damon-sysfs-*, damon-own-*, own-*, kdamonds-* were left behind
test("tests leave no temp folders behind", () => {
  const tmp = mkdtempSync(join(tmpdir(), "damon-ts-tmpcheck-"));
  try {
    const r = runTests(
      ["test/kernel/backend.test.ts", "test/kernel/record.test.ts", "test/config/kdamonds.test.ts"],
      { TMPDIR: tmp },
    );
    assert.equal(r.code, 0, r.out);
    // tsx keeps its compile cache there: not ours
    assert.deepEqual(
      readdirSync(tmp).filter((n) => !n.startsWith("tsx-")),
      [],
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
