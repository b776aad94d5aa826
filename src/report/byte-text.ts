/**
 * Text built as bytes in large buffers, for reports that print tens of MB (the raw
 * form prints 59 MB for a 1,000 x 1,000 record): one write per MiB instead of a
 * string per line, and no string concatenation or UTF-8 encoding per line.
 */

/** Bytes per finished piece; a piece may run over by one line. */
const PIECE_BYTES = 1 << 20;

export class ByteText {
  private buf = Buffer.allocUnsafe(PIECE_BYTES + 4096);
  pos = 0;

  /** Whether a piece is ready to be taken (checked between lines). */
  get full(): boolean {
    return this.pos >= PIECE_BYTES;
  }

  /** The bytes written so far, as a piece of its own; writing goes on in a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(PIECE_BYTES + 4096);
    this.pos = 0;
    return out;
  }

  /** Makes room for `n` more bytes (the buffer grows for an overlong line) and returns the buffer. */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    return this.buf;
  }

  /** Appends a string (UTF-8). */
  str(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    const buf = this.room(b.length);
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i];
    this.pos = p;
  }
}

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * Writes `%012x` of an integer in [0, 2^48) at `pos` (12 bytes; room must be made);
 * returns false, writing nothing, for other values.
 */
export function hex12At(buf: Uint8Array, pos: number, x: number): boolean {
  if (!(x >= 0 && x < 2 ** 48 && Number.isInteger(x))) return false;
  let hi = Math.floor(x / 16777216);
  let lo = x - hi * 16777216;
  for (let k = 11; k >= 6; k--) {
    buf[pos + k] = HEX_DIGITS[lo & 15];
    lo >>>= 4;
  }
  for (let k = 5; k >= 0; k--) {
    buf[pos + k] = HEX_DIGITS[hi & 15];
    hi >>>= 4;
  }
  return true;
}

/**
 * Writes `%{width}d` of an integer in [-1, 2^31) right-aligned in `width` bytes at
 * `pos` (room must be made); returns false, writing nothing, for other values or when
 * the digits do not fit.
 */
export function padIntAt(buf: Uint8Array, pos: number, x: number, width: number): boolean {
  if (x === -1) {
    if (width < 2) return false;
    for (let k = 0; k < width - 2; k++) buf[pos + k] = 32;
    buf[pos + width - 2] = 45;
    buf[pos + width - 1] = 49;
    return true;
  }
  if (!(x >= 0 && x < 2 ** 31 && Number.isInteger(x))) return false;
  let nd = 1;
  for (let v = x; v >= 10; v = Math.floor(v / 10)) nd++;
  if (nd > width) return false;
  let v = x;
  for (let k = width - 1; k >= width - nd; k--) {
    buf[pos + k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  for (let k = 0; k < width - nd; k++) buf[pos + k] = 32;
  return true;
}
