import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatSz,
  formatTimeNs,
  formatNr,
  formatBp,
  textToBytes,
  textToNs,
} from "../../src/record/damo-fmt.js";

void test("format_sz thresholds are strict (formats.md §1.4)", () => {
  assert.equal(formatSz(1024, false), "1024 B");
  assert.equal(formatSz(2 ** 20, false), "1024.000 KiB");
  assert.equal(formatSz(2 ** 20 + 1, false), "1.000 MiB");
  assert.equal(formatSz(2 ** 64 - 1, false), "max");
  assert.equal(formatSz(4096.7, true), "4096");
});

void test("format_time_ns forms", () => {
  assert.equal(formatTimeNs(0, false), "0 ns");
  assert.equal(formatTimeNs(104599000, false), "104.599 ms");
  assert.equal(formatTimeNs(539809434100, false), "8 m 59.809 s");
  assert.equal(formatTimeNs(60e9, false), "1 m");
  assert.equal(formatTimeNs(61e9, false), "1 m 1 s");
  assert.equal(formatTimeNs(5715800e6, false), "1 h 35 m 15.800 s");
  assert.equal(formatTimeNs(-5e6, false), "-5 ms");
});

void test("format_nr groups thousands; format_bp prints percent", () => {
  assert.equal(formatNr(-20100000000, false), "-20,100,000,000");
  assert.equal(formatNr(181.9, false), "181");
  assert.equal(formatBp(400, false), "4 %");
  assert.equal(formatBp(3, false), "0.03 %");
});

void test("damo's lenient parsers", () => {
  assert.equal(textToBytes("94,827,419,009,024"), 94827419009024);
  assert.equal(textToBytes("4 KiB"), 4096);
  assert.equal(textToBytes("31.340 MiB"), Math.trunc(31.34 * 2 ** 20));
  assert.equal(textToNs("100 ms"), 100e6);
  assert.equal(textToNs("1 m 3 s"), 63e9);
  assert.equal(textToNs("539809434100"), 539809434100);
});
