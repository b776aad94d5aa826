/**
 * The region columns the record readers fill, one row per region. Rows are
 * written straight into shared blocks and handed out as views of them, so a
 * snapshot's regions are never copied: one allocation per 128 Ki rows instead of
 * five per snapshot keeps the garbage collector out of large reads, and not
 * copying a 1,000 x 1,000 record's 40 MB of columns saves a tenth of its parse.
 */

/** Rows per block (smaller ones, for tests, grow as needed). */
const BLOCK_ROWS = 1 << 17;

export interface SnapshotColumns {
  start: Float64Array;
  end: Float64Array;
  samples: Float64Array;
  age: Float64Array;
  szFilterPassed: Float64Array;
}

/**
 * Rows [base, used) are kept (for `detach`); row k of the snapshot being read is
 * at used + k. A snapshot's rows are written from k = 0 each time it is read, so a
 * snapshot given up half way leaves nothing behind.
 */
export class RegionColumns {
  start: Float64Array<ArrayBuffer>;
  end: Float64Array<ArrayBuffer>;
  samples: Float64Array<ArrayBuffer>;
  age: Float64Array<ArrayBuffer>;
  szf: Float64Array<ArrayBuffer>;
  private base = 0;
  private used = 0;

  constructor(private readonly blockRows = BLOCK_ROWS) {
    this.start = new Float64Array(blockRows);
    this.end = new Float64Array(blockRows);
    this.samples = new Float64Array(blockRows);
    this.age = new Float64Array(blockRows);
    this.szf = new Float64Array(blockRows);
  }

  /** Row k of the snapshot being read. */
  push(k: number, start: number, end: number, samples: number, age: number, szf: number): void {
    let i = this.used + k;
    if (i >= this.start.length) {
      this.spill(k);
      i = this.used + k;
    }
    this.start[i] = start;
    this.end[i] = end;
    this.samples[i] = samples;
    this.age[i] = age;
    this.szf[i] = szf;
  }

  /** Keeps the first n rows of the snapshot being read; the next one starts after them. */
  keep(n: number): void {
    if (this.used + n > this.start.length) this.spill(n);
    this.used += n;
  }

  /** Keeps the snapshot's first n rows and returns them (views, not copies). */
  take(n: number): SnapshotColumns {
    this.keep(n);
    return this.detach();
  }

  /** The rows kept since the last detach, as views; later rows go after them. */
  detach(): SnapshotColumns {
    const a = this.base;
    const b = this.used;
    const out = {
      start: this.start.subarray(a, b),
      end: this.end.subarray(a, b),
      samples: this.samples.subarray(a, b),
      age: this.age.subarray(a, b),
      szFilterPassed: this.szf.subarray(a, b),
    };
    this.base = this.used;
    return out;
  }

  /** New blocks with room for rows [base, used + k] at least; rows already kept and the k written move along. */
  private spill(k: number): void {
    const rows = this.used + k - this.base;
    this.replace(Math.max(this.blockRows, 2 * (rows + 1)), this.base, this.used + k);
  }

  /** Replaces the blocks with ones of `size` rows holding rows [from, to) of the old ones at 0. */
  private replace(size: number, from: number, to: number): void {
    const move = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const d = new Float64Array(size);
      if (to > from) d.set(a.subarray(from, to));
      return d;
    };
    this.start = move(this.start);
    this.end = move(this.end);
    this.samples = move(this.samples);
    this.age = move(this.age);
    this.szf = move(this.szf);
    this.used -= from;
    this.base -= from;
  }
}
