import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { traceInfo } from "../../../src/workload/trace/info.js";
import { projectRoot } from "../../../src/workload/trace/valgrind-tool.js";

const dir = join(projectRoot(), "test", "fixtures", "traces");
const readme = readFileSync(join(dir, "README.md"), "utf8");
const files = readdirSync(dir).filter((f) => f.endsWith(".dtrace"));

void test("fixture traces: real captures, complete, undamaged, under 5 MB, documented with their command", () => {
  assert.ok(files.length >= 3, files.join(" "));
  for (const f of files) {
    const path = join(dir, f);
    assert.ok(statSync(path).size < 5e6, `${f} is ${statSync(path).size} bytes`);
    const info = traceInfo(path);
    assert.deepEqual(info.damage, [], f);
    assert.equal(info.partial, false, f);
    assert.equal(info.header.tool, "damontrace", f);
    assert.ok(info.accesses > 1e6, f);
    assert.ok(info.bytesPerAccess <= 2, `${f}: ${info.bytesPerAccess} bytes/access`);
    // The README lists the exact command stored in the trace.
    const cmd = info.header.command ?? [];
    assert.ok(readme.includes(f), `${f} is not in the README`);
    for (const arg of cmd)
      assert.ok(readme.includes(arg), `${f}: README lacks the argument ${JSON.stringify(arg)}`);
  }
});

void test("the threaded fixture has accesses from every thread it reports", () => {
  const info = traceInfo(join(dir, "xz-threads.dtrace"));
  assert.ok(info.threads.length >= 3);
  assert.equal(
    info.threads.reduce((s, t) => s + t.accesses, 0),
    info.accesses,
  );
});
