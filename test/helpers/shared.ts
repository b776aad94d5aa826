/**
 * Tests that need `../shared` (the damo peer data and the damo-readonly oracle, which
 * live beside the repository, not in it): they skip with a visible notice when it is
 * absent, except in CI (CI=true), where its absence fails the test, so a
 * byte-identity claim can never pass by being skipped (issue 19).
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";

/** The `../shared` folder beside the repository. */
export const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared");

/**
 * Returns the absolute path of `rel` inside ../shared, or null after marking the test
 * skipped (with a notice on stderr) when it is missing; throws when it is missing in CI.
 */
export function requireShared(t: TestContext, rel: string): string | null {
  const path = resolve(SHARED, rel);
  if (existsSync(path)) return path;
  const msg = `${path} is missing (the damo peer material beside the repository)`;
  if (process.env.CI === "true") throw new Error(`${msg}; in CI it must be present`);
  process.stderr.write(`NOTICE: skipping "${t.name}": ${msg}\n`);
  t.skip(msg);
  return null;
}
