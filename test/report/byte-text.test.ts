import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteText, hex12At, padIntAt } from "../../src/report/byte-text.js";
import { Rng } from "../../src/util/rng.js";

const text = (b: Uint8Array, from: number, to: number): string =>
  Buffer.from(b.subarray(from, to)).toString("latin1");

void test("hex12At writes %012x below 2^48 and refuses other values untouched", () => {
  const buf = new Uint8Array(20).fill(120);
  for (const x of [0, 1, 4095, 4096, 16777215, 16777216, 2 ** 47 + 12345, 2 ** 48 - 1]) {
    assert.equal(hex12At(buf, 4, x), true);
    assert.equal(text(buf, 4, 16), x.toString(16).padStart(12, "0"), `x=${x}`);
  }
  buf.fill(120);
  for (const x of [-1, 2 ** 48, 1.5, NaN, Infinity]) assert.equal(hex12At(buf, 4, x), false, `x=${x}`);
  assert.ok(buf.every((c) => c === 120));
});

void test("padIntAt right-aligns like %Nd and refuses what does not fit (property over seeds)", () => {
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const buf = new Uint8Array(40);
    for (let n = 0; n < 2000; n++) {
      const width = 1 + Math.floor(rng.nextFloat() * 12);
      const pick = rng.nextFloat();
      const x =
        pick < 0.4
          ? Math.floor(rng.nextFloat() * 10000)
          : pick < 0.8
            ? Math.floor(rng.nextFloat() * 2 ** 31)
            : -1;
      buf.fill(120);
      const want = String(x).padStart(width, " ");
      const ok = padIntAt(buf, 3, x, width);
      assert.equal(ok, want.length === width, `x=${x} width=${width}`);
      if (ok) assert.equal(text(buf, 3, 3 + width), want, `x=${x} width=${width}`);
      else
        assert.ok(
          buf.every((c) => c === 120),
          `x=${x} width=${width} wrote bytes`,
        );
    }
  }
  const buf = new Uint8Array(16);
  for (const x of [-2, 2 ** 31, 0.5, NaN]) assert.equal(padIntAt(buf, 0, x, 12), false, `x=${x}`);
});

void test("ByteText: pieces of about 1 MiB that join to the text written, overlong lines grow the buffer", () => {
  const out = new ByteText();
  const pieces: Buffer[] = [];
  let want = "";
  const long = "é".repeat(700000); // 1.4 MB in UTF-8, larger than a piece
  for (let i = 0; i < 30000; i++) {
    if (out.full) pieces.push(out.take());
    const line = i === 12345 ? long + "\n" : `line ${i} ${"x".repeat(i % 97)}\n`;
    out.str(line);
    want += line;
  }
  pieces.push(out.take());
  assert.ok(pieces.length > 2);
  assert.ok(pieces.slice(0, -1).every((p) => p.length >= 1 << 20));
  assert.equal(Buffer.concat(pieces).toString("utf8"), want);
});
