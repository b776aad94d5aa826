/**
 * Heatmap images without external programs (damo needs gnuplot): PNG through a
 * tiny encoder (8-bit RGB, filter 0, node:zlib deflate, CRC-32), and SVG with
 * same-colour runs merged into one rectangle each. Time runs left to right,
 * addresses bottom to top, as in damo's gnuplot plots.
 */
import { deflateSync } from "node:zlib";
import type { HeatmapGrid } from "./heatmap.js";
import { heatRange } from "./heatmap.js";
import { formatSz, formatTimeNs } from "../record/damo-fmt.js";
import { pyFixed } from "../record/pyfmt.js";
import { GLYPH_W, drawText, textWidth } from "./bitmap-font.js";

/** A perceptual dark-blue -> red -> yellow ramp; index 0 is the coldest. */
const STOPS: [number, number, number][] = [
  [12, 7, 54],
  [78, 18, 123],
  [160, 42, 99],
  [227, 84, 48],
  [251, 170, 22],
  [252, 254, 164],
];
const EMPTY: [number, number, number] = [235, 235, 235];

function ramp(x: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, x)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Colour of a pixel: 32 levels, so SVG runs merge well and PNG stays smooth enough. */
function colorOf(h: number, lo: number, hi: number): [number, number, number] {
  if (Number.isNaN(h)) return EMPTY;
  const x = hi > lo ? (h - lo) / (hi - lo) : 0;
  return ramp(Math.round(x * 31) / 31);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bufs: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const b of bufs) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  const t = Buffer.from(type, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([t, data]), 0);
  return Buffer.concat([len, t, data, crc]);
}

/** Encodes an RGB image (width*height*3 bytes) as PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** PNG of the grid with a title, axis ticks and labels, and a colour bar. */
export function heatmapPng(g: HeatmapGrid, targetPx = 800, title = "", relTimeBase = g.timeStart): Buffer {
  const range = heatRange(g) ?? [0, 0];
  const sx = Math.max(1, Math.round(targetPx / g.timeResol));
  const sy = Math.max(1, Math.round(targetPx / g.addrResol));
  const mapW = g.timeResol * sx;
  const mapH = g.addrResol * sy;
  const S = 2; // font scale
  const left = 14 * GLYPH_W * S;
  const top = title ? 40 : 12;
  const bottom = 70;
  const right = 130;
  const W = left + mapW + right;
  const H = top + mapH + bottom;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const fill = (x0: number, y0: number, w: number, h: number, c: [number, number, number]): void => {
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) {
        const o = (y * W + x) * 3;
        rgb[o] = c[0];
        rgb[o + 1] = c[1];
        rgb[o + 2] = c[2];
      }
  };
  for (let row = 0; row < g.timeResol; row++)
    for (let col = 0; col < g.addrResol; col++) {
      // x = time (row), y = address (col), low addresses at the bottom
      const c = colorOf(g.heat[row * g.addrResol + col], range[0], range[1]);
      fill(left + row * sx, top + (g.addrResol - 1 - col) * sy, sx, sy, c);
    }
  const black: [number, number, number] = [0, 0, 0];
  fill(left - 1, top, 1, mapH, black);
  fill(left - 1, top + mapH, mapW + 1, 1, black);
  const t0 = g.timeStart - relTimeBase;
  const tspan = g.timeUnit * g.timeResol;
  const aspan = g.addrUnit * g.addrResol;
  for (let i = 0; i <= 4; i++) {
    const x = left + Math.min(mapW - 1, Math.round((mapW * i) / 4));
    fill(x, top + mapH, 1, 6, black);
    const tl = formatTimeNs(t0 + (tspan * i) / 4, false);
    drawText(rgb, W, Math.max(0, x - textWidth(tl, S) / 2), top + mapH + 10, tl, S, black);
    const y = top + mapH - Math.min(mapH, Math.round((mapH * i) / 4));
    fill(left - 6, Math.min(H - 1, y), 6, 1, black);
    const al = formatSz((aspan * i) / 4, false);
    drawText(rgb, W, left - 8 - textWidth(al, S), Math.max(0, y - 7), al, S, black);
  }
  drawText(rgb, W, left + mapW / 2 - textWidth("time", S) / 2, top + mapH + 34, "time", S, black);
  if (title) drawText(rgb, W, left, 12, title, S, black);
  // colour bar with its range
  const bx = left + mapW + 16;
  for (let y = 0; y < mapH; y++) fill(bx, top + y, 20, 1, ramp(1 - y / Math.max(1, mapH - 1)));
  const unit = g.hz ? "hz" : "samples";
  drawText(rgb, W, bx + 26, top, pyFixed(range[1], 1), S, black);
  drawText(rgb, W, bx + 26, top + mapH - 14, pyFixed(range[0], 1), S, black);
  drawText(rgb, W, bx + 26, top + mapH / 2 - 7, unit, S, black);
  return encodePng(W, H, rgb);
}

function hex(c: [number, number, number]): string {
  return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** SVG of the grid with axes, labels and a colour bar. */
export function heatmapSvg(g: HeatmapGrid, title: string, relTimeBase: number, targetPx = 800): string {
  const range = heatRange(g) ?? [0, 0];
  const cw = targetPx / g.timeResol;
  const ch = targetPx / g.addrResol;
  const left = 110;
  const top = 40;
  const mapW = targetPx;
  const mapH = targetPx;
  const out: string[] = [];
  const W = left + mapW + 110;
  const H = top + mapH + 60;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  out.push(`<g shape-rendering="crispEdges">`);
  for (let col = 0; col < g.addrResol; col++) {
    const y = top + (g.addrResol - 1 - col) * ch;
    let runStart = 0;
    let runColor = "";
    for (let row = 0; row <= g.timeResol; row++) {
      const c = row < g.timeResol ? hex(colorOf(g.heat[row * g.addrResol + col], range[0], range[1])) : "";
      if (c !== runColor) {
        if (runColor !== "")
          out.push(
            `<rect x="${(left + runStart * cw).toFixed(2)}" y="${y.toFixed(2)}" width="${((row - runStart) * cw).toFixed(2)}" height="${ch.toFixed(2)}" fill="${runColor}"/>`,
          );
        runStart = row;
        runColor = c;
      }
    }
  }
  out.push(`</g>`);
  out.push(`<rect x="${left}" y="${top}" width="${mapW}" height="${mapH}" fill="none" stroke="black"/>`);
  const t0 = g.timeStart - relTimeBase;
  const tspan = g.timeUnit * g.timeResol;
  const aspan = g.addrUnit * g.addrResol;
  for (let i = 0; i <= 4; i++) {
    const x = left + (mapW * i) / 4;
    out.push(`<line x1="${x}" y1="${top + mapH}" x2="${x}" y2="${top + mapH + 5}" stroke="black"/>`);
    out.push(
      `<text x="${x}" y="${top + mapH + 18}" text-anchor="middle">${esc(formatTimeNs(t0 + (tspan * i) / 4, false))}</text>`,
    );
    const y = top + mapH - (mapH * i) / 4;
    out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="black"/>`);
    out.push(
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end">${esc(formatSz((aspan * i) / 4, false))}</text>`,
    );
  }
  out.push(`<text x="${left + mapW / 2}" y="${top + mapH + 40}" text-anchor="middle">time</text>`);
  out.push(
    `<text x="20" y="${top + mapH / 2}" text-anchor="middle" transform="rotate(-90 20 ${top + mapH / 2})">address (offset from range start)</text>`,
  );
  const bx = left + mapW + 20;
  for (let i = 0; i < 32; i++) {
    const c = hex(ramp(i / 31));
    out.push(
      `<rect x="${bx}" y="${(top + mapH - ((i + 1) * mapH) / 32).toFixed(2)}" width="20" height="${(mapH / 32 + 0.5).toFixed(2)}" fill="${c}"/>`,
    );
  }
  const unit = g.hz ? "hz" : "samples";
  out.push(`<text x="${bx + 24}" y="${top + 10}">${esc(pyFixed(range[1], 1))}</text>`);
  out.push(`<text x="${bx + 24}" y="${top + mapH}">${esc(pyFixed(range[0], 1))}</text>`);
  out.push(`<text x="${bx + 24}" y="${top + mapH / 2}">${unit}</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
