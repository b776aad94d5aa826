import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { pyFixed, pyInt, pyRepr } from "../../src/record/pyfmt.js";

// Expected strings printed by CPython 3 for these values.
const REPR: [number, string][] = [
  [0, "0.0"],
  [200, "200.0"],
  [449.87506246876563, "449.87506246876563"],
  [1e16, "1e+16"],
  [1e15, "1000000000000000.0"],
  [1.2345678901234568e17, "1.2345678901234568e+17"],
  [0.0001, "0.0001"],
  [0.00001, "1e-05"],
  [1.5e-7, "1.5e-07"],
  [-2.5, "-2.5"],
  [1 / 3, "0.3333333333333333"],
  [(2 / 3) * 1e20, "6.666666666666666e+19"],
  [5e-324, "5e-324"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [100 / 7, "14.285714285714286"],
  [0.1 + 0.2, "0.30000000000000004"],
];

void test("pyRepr matches CPython repr() for fixed and exponent forms", () => {
  for (const [x, want] of REPR) assert.equal(pyRepr(x), want, `repr(${x})`);
});

void test("pyRepr round-trips and uses Python's notation switch (property)", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = pyRepr(x);
      assert.equal(Number(s), x);
      const e = Math.abs(x) === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
      // fixed notation always has a '.', exponent notation always 'e+NN' / 'e-NN'
      if (/e/.test(s)) assert.match(s, /e[+-]\d{2,3}$/);
      else assert.ok(s.includes("."), s);
      if (x !== 0 && (e < -5 || e > 16)) assert.ok(/e/.test(s), `${s} should use an exponent`);
    }),
    { seed: 42, numRuns: 2000 },
  );
});

void test("pyFixed rounds exact ties to even like Python's %f", () => {
  const cases: [number, number, string][] = [
    [0.125, 2, "0.12"],
    [0.375, 2, "0.38"],
    [2.5, 0, "2"],
    [1.0625, 3, "1.062"],
    [20.4000001, 3, "20.400"],
    [1023.9995, 3, "1024.000"],
    [-0.0004, 3, "-0.000"],
    [2.675, 2, "2.67"],
  ];
  for (const [x, d, want] of cases) assert.equal(pyFixed(x, d), want, `'%.${d}f' % ${x}`);
});

void test("pyInt truncates toward zero like '%d'", () => {
  assert.equal(pyInt(113456913.9), "113456913");
  assert.equal(pyInt(-2.9), "-2");
  assert.equal(pyInt(2 ** 64), "18446744073709551616");
});
