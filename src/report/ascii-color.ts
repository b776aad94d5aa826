/** 256-colour terminal escapes for heat levels 0-9 (the colour sets damo offers). */

export const COLORSETS: Record<string, [number[], number[]]> = {
  gray: [Array<number>(10).fill(232), [237, 239, 241, 243, 245, 247, 249, 251, 253, 255]],
  flame: [
    [232, 1, 1, 2, 3, 3, 20, 21, 26, 27, 27],
    [239, 235, 237, 239, 243, 245, 247, 249, 251, 255],
  ],
  emotion: [
    [232, 234, 20, 21, 26, 2, 3, 1, 1, 1],
    [239, 235, 237, 239, 243, 245, 247, 249, 251, 255],
  ],
};

export const MAX_COLOR_LEVEL = 9;

export function colorStart(colorset: string, level: number): string {
  const cs = COLORSETS[colorset] ?? COLORSETS.gray;
  return `\x1b[48;5;${cs[0][level]}m\x1b[38;5;${cs[1][level]}m`;
}

export const COLOR_END = "\x1b[0m";

export function colored(txt: string, colorset: string, level: number): string {
  return colorStart(colorset, level) + txt + COLOR_END;
}

export function colorSamples(colorset: string): string {
  let s = "";
  for (let l = 0; l <= MAX_COLOR_LEVEL; l++) s += colorStart(colorset, l) + String(l);
  return s + COLOR_END;
}
