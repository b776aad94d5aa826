import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseDurationNs,
  parseDurationUs,
  parseSizeBytes,
  parseBool,
  parseCount,
  parseSeed,
} from "../../src/util/units.js";
import { UsageError } from "../../src/util/errors.js";

test("durations parse like damo, summing multi-field strings", () => {
  assert.equal(parseDurationUs("5ms"), 5000);
  assert.equal(parseDurationUs("1 s"), 1_000_000);
  assert.equal(parseDurationUs("100 ms"), 100_000);
  assert.equal(parseDurationNs("1 m 3 s"), 63e9);
  assert.equal(parseDurationNs("1.5 s"), 1.5e9);
});

test("bad durations name the field and the problem", () => {
  assert.throws(
    () => parseDurationNs("5", "--sample"),
    (e: unknown) => {
      return e instanceof UsageError && /--sample: '5' needs a unit/.test(e.message);
    },
  );
  assert.throws(() => parseDurationNs("-5ms", "--aggr"), /--aggr: '-5ms' is negative/);
  assert.throws(() => parseDurationNs("5 parsecs"), /unknown duration unit 'parsecs'/);
});

test("sizes use binary suffixes; bare numbers are bytes", () => {
  assert.equal(parseSizeBytes("4KiB"), 4096);
  assert.equal(parseSizeBytes("4K"), 4096);
  assert.equal(parseSizeBytes("1.5 GiB"), 1.5 * 2 ** 30);
  assert.equal(parseSizeBytes("1,024"), 1024);
  assert.throws(() => parseSizeBytes("-1MiB"), /negative/);
});

test("counts and booleans", () => {
  assert.equal(parseCount("1,000"), 1000);
  assert.throws(() => parseCount("1.5"), /not a non-negative integer/);
  assert.equal(parseBool("yes"), true);
  assert.equal(parseBool("N"), false);
  assert.throws(() => parseBool("maybe"));
});

// Rng takes 32 bits: seed 2^32 ran exactly as seed 0.
test("seeds are 32 bits", () => {
  assert.equal(parseSeed("0"), 0);
  assert.equal(parseSeed("4294967295"), 4294967295);
  assert.throws(
    () => parseSeed("4294967296"),
    (e: Error) =>
      e instanceof UsageError &&
      /--seed: '4294967296' is not a seed: seeds are 0 to 4294967295/.test(e.message),
  );
  assert.throws(() => parseSeed("-1"), UsageError);
});
