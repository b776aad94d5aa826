/**
 * The heatmap's colour scale: a perceptually ordered dark-to-bright ramp (black,
 * purple, red, orange, pale yellow), so "hotter" is always "brighter", also in
 * grey-scale print and for the tests that read pixels.
 */

const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** Colour of cells without data (time or addresses nothing was recorded for). */
export const NO_DATA: [number, number, number] = [224, 224, 228];

/** 256 RGB entries for frequencies 0..1. */
export const LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (STOPS.length - 1);
    const k = Math.min(Math.floor(x), STOPS.length - 2);
    const f = x - k;
    for (let c = 0; c < 3; c++)
      lut[i * 3 + c] = Math.round(STOPS[k][c] + (STOPS[k + 1][c] - STOPS[k][c]) * f);
  }
  return lut;
})();

/** Fills RGBA pixels from per-cell frequencies (0..1, NaN = no data). */
export function paint(value: Float32Array, rgba: Uint8ClampedArray): void {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const o = i * 4;
    if (Number.isNaN(v)) {
      rgba[o] = NO_DATA[0];
      rgba[o + 1] = NO_DATA[1];
      rgba[o + 2] = NO_DATA[2];
    } else {
      const j = Math.max(0, Math.min(255, Math.round(v * 255))) * 3;
      rgba[o] = LUT[j];
      rgba[o + 1] = LUT[j + 1];
      rgba[o + 2] = LUT[j + 2];
    }
    rgba[o + 3] = 255;
  }
}

/** CSS colour of frequency f. */
export function cssColor(f: number): string {
  const j = Math.max(0, Math.min(255, Math.round(f * 255))) * 3;
  return `rgb(${LUT[j]},${LUT[j + 1]},${LUT[j + 2]})`;
}
