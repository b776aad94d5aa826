/**
 * Shared checks of the fuzz suite (issue 20): every parser, fed mutated or
 * generated input, returns a valid result or throws one typed error (an
 * InputError: FormatError, ConfigError, UsageError), never an internal error
 * (TypeError, RangeError, ...), within a time and memory bound. Seeds are pinned
 * so a failure replays; FUZZ_SCALE multiplies the cases and FUZZ_SEED shifts the
 * seeds for a longer campaign (docs/fuzzing.md).
 */
import assert from "node:assert/strict";
import { InputError } from "../../src/util/errors.js";

/** Cases per property: the committed suite's count, times FUZZ_SCALE for a campaign. */
export function runs(n: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? "1");
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** A property's pinned seed, shifted by FUZZ_SEED for a campaign with other inputs. */
export function seed(base: number): number {
  const shift = Number(process.env.FUZZ_SEED ?? "0");
  return base + (Number.isSafeInteger(shift) ? shift * 1000 : 0);
}

/** Wall time one case may take (the machine is shared: generous, but a hang fails). */
export const CASE_MS = 2000;
/** Peak resident memory a whole property may add. */
export const PEAK_BYTES = 384 * 2 ** 20;

export interface Tally {
  cases: number;
  ok: number;
  typed: number;
}

/**
 * Runs `f` on one case: its result, or a typed error (`typed` decides what is
 * allowed; InputError by default) counts; anything else fails with the input shown.
 */
export function expectTyped<T>(
  tally: Tally,
  input: unknown,
  f: () => T,
  typed: (e: unknown) => boolean = (e) => e instanceof InputError,
): T | undefined {
  tally.cases++;
  const t0 = performance.now();
  let out: T | undefined;
  try {
    out = f();
    tally.ok++;
  } catch (e) {
    if (!typed(e)) {
      const shown = typeof input === "string" ? JSON.stringify(input.slice(0, 400)) : String(input);
      assert.fail(
        `internal error ${(e as Error)?.name}: ${(e as Error)?.message}\ninput: ${shown}\n${(e as Error)?.stack}`,
      );
    }
    tally.typed++;
  }
  const ms = performance.now() - t0;
  assert.ok(ms < CASE_MS, `one case took ${ms.toFixed(0)} ms`);
  return out;
}

/** Runs `body` and asserts the peak RSS it added stays within PEAK_BYTES. */
export function withinMemory(body: () => void): void {
  const before = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss);
  body();
  const grew = process.resourceUsage().maxRSS * 1024 - before;
  assert.ok(grew < PEAK_BYTES, `peak RSS grew by ${(grew / 2 ** 20).toFixed(0)} MiB`);
}

/** One line for the campaign log: cases, accepted, refused with a typed error. */
export function report(name: string, t: Tally): void {
  if (process.env.FUZZ_REPORT)
    process.stderr.write(`fuzz ${name}: ${t.cases} cases, ${t.ok} accepted, ${t.typed} typed errors\n`);
}

export const newTally = (): Tally => ({ cases: 0, ok: 0, typed: 0 });
