/**
 * Text built as bytes in large buffers, for reports that print tens of MB (the raw
 * form prints 59 MB for a 1,000 x 1,000 record): one write per MiB instead of a
 * string per line, and no string concatenation or UTF-8 encoding per line.
 */

/** Bytes per finished piece; a piece may run over by one line. */
const PIECE_BYTES = 1 << 20;

export class ByteText {
  private buf = Buffer.allocUnsafe(PIECE_BYTES + 4096);
  // written through a plain Uint8Array: faster than Buffer element access in hot loops
  private u8 = plain(this.buf);
  pos = 0;

  /** Whether a piece is ready to be taken (checked between lines). */
  get full(): boolean {
    return this.pos >= PIECE_BYTES;
  }

  /** The bytes written so far, as a piece of its own; writing goes on in a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(PIECE_BYTES + 4096);
    this.u8 = plain(this.buf);
    this.pos = 0;
    return out;
  }

  /** Makes room for `n` more bytes (the buffer grows for an overlong line) and returns the buffer. */
  room(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
      this.u8 = plain(grown);
    }
    return this.u8;
  }

  /** Appends a string (UTF-8). */
  str(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
}

function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

// three hex digits per entry: four lookups make an address below 2^48
const HEX3 = new Uint8Array(
  Buffer.from(Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, "0")).join(""), "latin1"),
);

/**
 * Writes `%012x` of an integer in [0, 2^48) at `pos` (12 bytes; room must be made);
 * returns false, writing nothing, for other values.
 */
export function hex12At(buf: Uint8Array, pos: number, x: number): boolean {
  if (!(x >= 0 && x < 281474976710656 && Number.isInteger(x))) return false;
  const hi = Math.floor(x / 16777216);
  const lo = x - hi * 16777216;
  let t = (hi >>> 12) * 3;
  buf[pos] = HEX3[t];
  buf[pos + 1] = HEX3[t + 1];
  buf[pos + 2] = HEX3[t + 2];
  t = (hi & 4095) * 3;
  buf[pos + 3] = HEX3[t];
  buf[pos + 4] = HEX3[t + 1];
  buf[pos + 5] = HEX3[t + 2];
  t = (lo >>> 12) * 3;
  buf[pos + 6] = HEX3[t];
  buf[pos + 7] = HEX3[t + 1];
  buf[pos + 8] = HEX3[t + 2];
  t = (lo & 4095) * 3;
  buf[pos + 9] = HEX3[t];
  buf[pos + 10] = HEX3[t + 1];
  buf[pos + 11] = HEX3[t + 2];
  return true;
}

/** Small counts (nr_accesses, age) are most values: their digits by table, four bytes each. */
const SMALL = 10000;
const SMALL_DIGITS = new Uint8Array(SMALL * 4);
for (let v = 0; v < SMALL; v++) {
  const d = String(v).padStart(4, " ");
  for (let k = 0; k < 4; k++) SMALL_DIGITS[v * 4 + k] = d.charCodeAt(k);
}

/**
 * Writes `%{width}d` of an integer in [-1, 2^31) right-aligned in `width` bytes at
 * `pos` (room must be made); returns false, writing nothing, for other values or when
 * the digits do not fit.
 */
export function padIntAt(buf: Uint8Array, pos: number, x: number, width: number): boolean {
  if (x >= 0 && x < SMALL && width >= 4 && Number.isInteger(x)) {
    const end = pos + width;
    for (let k = pos; k < end - 4; k++) buf[k] = 32;
    const t = x * 4;
    buf[end - 4] = SMALL_DIGITS[t];
    buf[end - 3] = SMALL_DIGITS[t + 1];
    buf[end - 2] = SMALL_DIGITS[t + 2];
    buf[end - 1] = SMALL_DIGITS[t + 3];
    return true;
  }
  return padIntSlow(buf, pos, x, width);
}

function padIntSlow(buf: Uint8Array, pos: number, x: number, width: number): boolean {
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
