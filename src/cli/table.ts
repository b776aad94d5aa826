/** Plain aligned text tables for the CLI's human output. */

/** Formats rows as columns: the first column left-aligned, the others right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Bytes in binary units with 1 decimal (src/util/units.ts; here for the tables' users). */
export { fmtBytes } from "../util/units.js";

export function fmtPct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)} %`;
}

/** A duration in ns with a readable unit. */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(ns % 1e9 === 0 ? 0 : 2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns % 1e6 === 0 ? 0 : 2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns % 1e3 === 0 ? 0 : 2)} µs`;
  return `${ns} ns`;
}
