/**
 * Whether the CLI may colour a stream (CONVENTIONS.md): only a terminal, and only
 * when NO_COLOR is unset or empty; FORCE_COLOR (anything but 0/false) forces it.
 */

// eslint-disable-next-line no-control-regex -- the escape is what is matched
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true;
}

/** `text` as it is when `stream` may be coloured, else without its colour escapes. */
export function colorFor(
  stream: { isTTY?: boolean },
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return useColor(stream, env) ? text : text.replace(ANSI_SGR, "");
}
