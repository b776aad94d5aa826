/**
 * docs/json-output.md: every machine-readable document names its schema
 * `damon-ts/<kind>/<version>`, and the page lists every one of them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every schema-looking string in src/: `damon-ts<sep>kind/N`. */
function schemaNames(): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of sources(join(ROOT, "src")))
    for (const m of readFileSync(f, "utf8").matchAll(/"(damon-ts[^"\s]*\/\d+)"/g)) found.set(m[1], f);
  return found;
}

// fails before the rename: damon-ts-kernel-status/1, damon-ts-fidelity/1, damon-ts.trace-info/1, damon-ts-vm-run/1
test("every JSON schema name in src/ follows damon-ts/<kind>/<version>", () => {
  const names = schemaNames();
  assert.ok(names.size >= 6, `found ${[...names.keys()].join(", ")}`);
  // the one legacy spelling kept on purpose: old kernel ownership files are still read
  const bad = [...names].filter(
    ([n]) => !/^damon-ts\/[a-z][a-z-]*\/\d+$/.test(n) && n !== "damon-ts-kernel-ownership/1",
  );
  assert.deepEqual(bad, []);
});

test("docs/json-output.md lists every schema damon-ts writes", () => {
  const doc = readFileSync(join(ROOT, "docs/json-output.md"), "utf8");
  const missing = [...schemaNames().keys()].filter(
    (n) => n.startsWith("damon-ts/") && !doc.includes(`\`${n}\``),
  );
  assert.deepEqual(missing, []);
});
