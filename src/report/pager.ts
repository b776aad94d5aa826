/**
 * damo prints long reports through `less`, which copies the text without adding
 * a final newline; short ones (at most 50 newlines when stdout is no terminal)
 * go through print(), which adds one. Matching that keeps output byte-identical.
 */
export function damoPagerText(text: string): string {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && n <= 50; i = text.indexOf("\n", i + 1)) n++;
  return n <= 50 ? text + "\n" : text;
}
