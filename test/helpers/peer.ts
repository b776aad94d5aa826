/**
 * The damo peer data (real damo recordings, the outputs damo printed for them, and
 * the read-only damo) lives outside the repository: `$DAMON_TS_PEER`, default
 * `../shared/peer` beside the checkout. Tests that need it skip with a visible
 * notice when it is absent — except under CI=true, where its absence fails, so
 * the byte-identity claims can never pass by being skipped.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The peer folder: $DAMON_TS_PEER, else ../shared/peer next to the repository. */
export const PEER_ROOT = resolve(process.env.DAMON_TS_PEER ?? resolve(ROOT, "../shared/peer"));

/** True when CI=true (or 1): missing peer data is then a failure, not a skip. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

/**
 * The `skip` option for tests that need `PEER_ROOT/<sub>` (checked by `marker`):
 * false when present; otherwise the reason, after printing a notice on stderr —
 * or, under CI, after registering one failing test that names what is missing.
 */
export function peerSkip(sub: string, marker = "README.md"): false | string {
  const dir = resolve(PEER_ROOT, sub);
  if (existsSync(resolve(dir, marker))) return false;
  const reason = `damo peer data not found at ${dir} (set DAMON_TS_PEER to the peer folder)`;
  if (inCi()) {
    test(`damo peer data is present (required when CI=true): ${sub}`, () => {
      throw new Error(`${reason}; CI=true requires it, so these tests cannot pass by being skipped`);
    });
  } else {
    process.stderr.write(`NOTICE: skipping the tests that need it: ${reason}\n`);
  }
  return reason;
}

/** `PEER_ROOT/<sub>` as a path. */
export function peerPath(sub: string): string {
  return resolve(PEER_ROOT, sub);
}

/** Compares two report texts and, on failure, names the first differing line. */
export function sameText(actual: string, want: string, what: string): void {
  if (actual === want) return;
  const a = actual.split("\n");
  const w = want.split("\n");
  let i = 0;
  while (i < a.length && i < w.length && a[i] === w[i]) i++;
  assert.fail(
    `${what}: first difference at line ${i + 1}:\n  ours: ${JSON.stringify(a[i])}\n  damo: ${JSON.stringify(w[i])}`,
  );
}
