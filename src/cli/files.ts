/**
 * The CLI's checks and announcements around the files it reads and writes
 * (CONVENTIONS.md "Files and output"): an input that is missing or a folder is bad
 * input named by its option; an output goes to an existing folder and never over
 * an input; every file written is announced on stderr, saying when it replaced one.
 */
import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { outputPathProblem, outputTarget } from "../util/atomic-write.js";
import { InputError, UsageError } from "../util/errors.js";
import { fmtBytes } from "./table.js";

/** Throws InputError (exit 2) unless `path` is an existing file that is not a folder. */
export function requireInputFile(path: string, what = "input file"): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${what} not found`, path);
  }
  if (st.isDirectory()) throw new InputError(`is a folder, not a ${what}`, path);
}

/** Throws UsageError, naming `option`, unless `path` can be written (util/atomic-write.ts). */
export function requireOutputFolder(path: string, option: string): void {
  const problem = outputPathProblem(path);
  if (problem !== null) throw new UsageError(problem, option);
}

/** Throws UsageError when `output` names the same file as one of `inputs`. */
export function refuseOverwritingInput(output: string, inputs: string[], option: string): void {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const out = real(output);
  for (const i of inputs)
    if (real(i) === out)
      throw new UsageError(
        `${output} is also the input; write to another file (nothing was written)`,
        option,
      );
}

/** Whether a file is about to be written over (not a device or pipe): call before writing, pass to `announceWritten`. */
export function existedBefore(path: string): boolean {
  try {
    return statSync(path).isFile() && !outputTarget(path).inPlace;
  } catch {
    return false;
  }
}

/**
 * `wrote FILE (details, SIZE)` on stderr (`overwrote` when it replaced an existing
 * file), then `; note` when given.
 */
export function announceWritten(
  path: string,
  replaced: boolean,
  details: string[] = [],
  note?: string,
): void {
  let size = "";
  try {
    const st = statSync(path);
    if (st.isFile() && !outputTarget(path).inPlace) size = fmtBytes(st.size);
  } catch {
    // announced all the same: the size is a detail
  }
  const parts = [...details, size].filter((s) => s !== "");
  process.stderr.write(
    `${replaced ? "overwrote" : "wrote"} ${path}${parts.length ? ` (${parts.join(", ")})` : ""}${note ? `; ${note}` : ""}\n`,
  );
}

/** `N snapshot(s)` for announcements. */
export function snapshotCount(n: number): string {
  return `${n} snapshot${n === 1 ? "" : "s"}`;
}
