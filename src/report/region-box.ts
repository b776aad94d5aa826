/**
 * damo's region boxes (`--region_box`, styles simple-boxes/cold/hot): each region
 * drawn as a box whose length, colour and height show three of its values (age,
 * access rate, size by default), rescaled linearly or logarithmically between
 * the smallest and largest value in the whole report.
 */
import { colored } from "./ascii-color.js";

export type BoxValue = "size" | "access_rate" | "age" | null;

export interface BoxOptions {
  values: [BoxValue, BoxValue, BoxValue];
  minMaxLength: [number, number];
  minMaxHeight: [number, number];
  colorset: string;
  scales: ["linear" | "log", "linear" | "log", "linear" | "log"];
  align: "left" | "right";
}

export const BOX_DEFAULTS: BoxOptions = {
  values: ["age", "access_rate", "size"],
  minMaxLength: [1, 30],
  minMaxHeight: [1, 5],
  colorset: "gray",
  scales: ["log", "linear", "log"],
  align: "left",
};

export interface BoxRegion {
  size: number;
  percent: number;
  ageUs: number;
}

export type BoxRanges = Record<"size" | "access_rate" | "age", [number, number]>;

export function boxRanges(regions: Iterable<BoxRegion>): BoxRanges {
  const r: BoxRanges = {
    size: [Infinity, -Infinity],
    access_rate: [Infinity, -Infinity],
    age: [Infinity, -Infinity],
  };
  for (const x of regions) {
    for (const [k, v] of [
      ["size", x.size],
      ["access_rate", x.percent],
      ["age", x.ageUs],
    ] as const) {
      if (v < r[k][0]) r[k][0] = v;
      if (v > r[k][1]) r[k][1] = v;
    }
  }
  return r;
}

function valueOf(r: BoxRegion, v: "size" | "access_rate" | "age"): number {
  return v === "size" ? r.size : v === "access_rate" ? r.percent : r.ageUs;
}

function rescale(val: number, from: [number, number], to: [number, number], log: boolean): number {
  let v = val;
  let f = from;
  if (log) {
    const l = (x: number): number => (x > 0 ? Math.log2(x) : 0);
    v = l(val);
    f = [l(from[0]), l(from[1])];
  }
  const origLen = f[1] - f[0];
  const ratio = origLen > 0 ? (to[1] - to[0]) / origLen : 1;
  return (v - f[0]) * ratio + to[0];
}

/** The box text of one region (may span several lines when its height > 1). */
export function boxText(r: BoxRegion, o: BoxOptions, ranges: BoxRanges): string {
  const [lv, cv, hv] = o.values;
  const length = lv
    ? Math.trunc(rescale(valueOf(r, lv), ranges[lv], o.minMaxLength, o.scales[0] === "log"))
    : 1;
  const height = hv
    ? Math.trunc(rescale(valueOf(r, hv), ranges[hv], o.minMaxHeight, o.scales[2] === "log"))
    : 1;
  let row: string;
  if (!cv) row = "-".repeat(length);
  else {
    const level = Math.max(
      0,
      Math.min(9, Math.trunc(rescale(valueOf(r, cv), ranges[cv], [0, 9], o.scales[1] === "log"))),
    );
    row = colored(String(level).repeat(length), o.colorset, level);
  }
  row = `|${row}|`;
  if (o.align === "right") row = " ".repeat(Math.max(0, o.minMaxLength[1] - length)) + row;
  let box = Array<string>(Math.max(1, height)).fill(row).join("\n");
  if ((hv ? o.minMaxHeight[1] : 1) > 1) box += "\n";
  return box;
}
