/**
 * Python's number formatting, reproduced exactly so that our text matches damo's
 * byte for byte: `'%.Nf' % x` (correctly rounded, ties to even on the exact binary
 * value), `'%d' % x` (truncation toward zero) and `repr(float)` (shortest round
 * trip, with Python's own choice between fixed and exponent notation).
 */

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** `'%.{digits}f' % x` in Python. */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const s = x.toFixed(digits);
  // JS rounds exact ties away from zero, Python to even; ties are rare, check cheaply.
  const scaled = Math.abs(x) * (POW10[digits] ?? 10 ** digits);
  const frac = scaled - Math.floor(scaled);
  if (Math.abs(frac - 0.5) > 1e-6 || Math.abs(x) >= 1e21) return fixNegZero(s, x);
  return fixNegZero(exactFixed(x, digits), x);
}

function fixNegZero(s: string, x: number): string {
  // Python keeps the sign of negative values that round to zero ('-0.000').
  if (x < 0 && !s.startsWith("-")) return "-" + s;
  if (Object.is(x, -0) && !s.startsWith("-")) return "-" + s;
  return s;
}

/** Exact decimal rounding of a double with ties to even, via BigInt. */
function exactFixed(x: number, digits: number): string {
  const neg = x < 0;
  const { mant, exp } = decompose(Math.abs(x));
  // value = mant * 2^exp; scaled = value * 10^digits
  let num = mant * 10n ** BigInt(digits);
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  let q = num / den;
  const r = num - q * den;
  const twice = r * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, "0");
    s = s.slice(0, s.length - digits) + "." + s.slice(s.length - digits);
  }
  return (neg ? "-" : "") + s;
}

function decompose(x: number): { mant: bigint; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return { mant, exp: -1074 };
  mant |= 1n << 52n;
  return { mant, exp: e - 1075 };
}

/** `'%d' % x` in Python: integers as they are, floats truncated toward zero. */
export function pyInt(x: number): string {
  if (Number.isInteger(x)) return bigIntText(x);
  return bigIntText(Math.trunc(x));
}

function bigIntText(x: number): string {
  if (Math.abs(x) < 1e21) return Object.is(x, -0) ? "0" : x.toFixed(0);
  return BigInt(x).toString();
}

/** `repr(x)` for a Python float. */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // Where both use fixed notation, JS's String() has Python's shortest digits already.
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) return Number.isInteger(x) ? String(x) + ".0" : String(x);
  // toExponential() without an argument gives the shortest round-trip digits.
  const e = x.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
  if (!m) return String(x);
  const sign = m[1];
  const digits = m[2] + (m[3] ?? "");
  const exp10 = Number(m[4]);
  // Python's repr uses fixed notation when -4 <= exponent < 16.
  if (exp10 >= -4 && exp10 < 16) {
    const point = exp10 + 1;
    let out: string;
    if (point <= 0) out = "0." + "0".repeat(-point) + digits;
    else if (point >= digits.length) out = digits + "0".repeat(point - digits.length) + ".0";
    else out = digits.slice(0, point) + "." + digits.slice(point);
    return sign + out;
  }
  const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
  const absExp = Math.abs(exp10);
  return `${sign}${mant}e${exp10 < 0 ? "-" : "+"}${absExp < 10 ? "0" : ""}${absExp}`;
}

/** Python's `str.rjust`/`ljust` equivalents for `%Ns` / `%-Ns`. */
export function rjust(s: string, width: number): string {
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}
export function ljust(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}
