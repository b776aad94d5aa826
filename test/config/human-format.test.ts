import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  UNLIMITED,
  formatBp,
  formatCount,
  formatPermil,
  formatSize,
  formatTimeNs,
  readCount,
  readRatio,
  readSize,
  readTime,
} from "../../src/config/human-format.js";

void test("sizes print as damo's format_sz (strictly above a unit)", () => {
  assert.equal(formatSize(1024), "1024 B");
  assert.equal(formatSize(4096), "4.000 KiB");
  assert.equal(formatSize(2 ** 20), "1024.000 KiB");
  assert.equal(formatSize(128 * 2 ** 20), "128.000 MiB");
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(UNLIMITED), "max");
  assert.equal(formatSize(1_000_000), "1000000 B"); // 976.5625 KiB would round: keep it exact
});

void test("times print as damo's exact form", () => {
  assert.equal(formatTimeNs(0), "0 ns");
  assert.equal(formatTimeNs(5e6), "5 ms");
  assert.equal(formatTimeNs(1e9), "1 s");
  assert.equal(formatTimeNs(60e9), "1 m");
  assert.equal(formatTimeNs(60.098e9), "1 m 0.098 s");
  assert.equal(formatTimeNs(1.5e6), "1.500 ms");
  assert.equal(formatTimeNs(3600e9 + 60e9), "1 h 1 m");
  assert.equal(formatTimeNs(UNLIMITED), "max");
});

void test("counts and ratios", () => {
  assert.equal(formatCount(1000), "1,000");
  assert.equal(formatCount(999), "999");
  assert.equal(formatPermil(3), "0.3 %");
  assert.equal(formatPermil(500), "50 %");
  assert.equal(formatBp(400), "4 %");
  assert.equal(readRatio("0.3 %", 10), 3);
  assert.equal(readRatio("4 %", 100), 400);
  assert.equal(readRatio(7, 10), 7);
  assert.equal(readCount("1,000"), 1000);
  assert.throws(() => readCount("1.5"), /integer/);
});

void test("every printed size/time/count reads back exactly (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
      assert.equal(readSize(formatSize(n)), n);
      assert.equal(readCount(formatCount(n)), n);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (us) => {
      assert.equal(readTime(formatTimeNs(us * 1000), 1e3), us);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10000 }), (p) => {
      assert.equal(readRatio(formatPermil(p), 10), p);
      assert.equal(readRatio(formatBp(p), 100), p);
    }),
  );
});
