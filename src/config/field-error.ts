/**
 * ConfigErrors that name the field: a path such as `kdamonds[0].contexts[0].schemes[1]`
 * (after the file name), the value that was given and, for keywords, the allowed values.
 */
import type * as z from "zod";
import { ConfigError } from "../util/errors.js";

export type Path = (string | number)[];

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(top level)" : out;
}

export function where(file: string | undefined, path: readonly PropertyKey[]): string {
  return file ? `${file}: ${pathText(path)}` : pathText(path);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  // JSON has no Infinity or NaN (it would print null).
  if (typeof v === "number" && !Number.isFinite(v)) return `number ${String(v)}`;
  const text = JSON.stringify(v);
  // a whole file read as one string must not be quoted in full: a short excerpt names it
  return text.length <= 40
    ? `${typeof v} ${text}`
    : `${typeof v} ${text.slice(0, 32)}…" (${text.length} chars)`;
}

/** Turns the first zod issue into one ConfigError with the field path and allowed values. */
function issueToError(issue: z.core.$ZodIssue, file: string | undefined): ConfigError {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined && issue.code !== "unrecognized_keys" && issue.code !== "custom") {
    const allowed =
      issue.code === "invalid_value"
        ? `; allowed values: ${issue.values.map((v) => String(v)).join(", ")}`
        : "";
    return new ConfigError(`required field is missing${allowed}`, where(file, issue.path));
  }
  switch (issue.code) {
    case "invalid_value":
      return new ConfigError(
        `${describe(input)} is not allowed; allowed values: ${issue.values.map((v) => String(v)).join(", ")}`,
        where(file, issue.path),
      );
    case "unrecognized_keys": {
      const key = issue.keys[0];
      return new ConfigError(
        `unknown key '${key}'${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(", ")})` : ""}`,
        where(file, [...issue.path, key]),
      );
    }
    case "invalid_type":
      if (input === undefined) return new ConfigError(`required field is missing`, where(file, issue.path));
      return new ConfigError(`expected ${issue.expected}, got ${describe(input)}`, where(file, issue.path));
    case "invalid_union": {
      // Report the most specific branch's problem if there is one, else the union's own message.
      const nested = issue.errors.flat().find((i) => i.code === "custom" || i.code === "invalid_value");
      if (nested) return issueToError({ ...nested, path: [...issue.path, ...nested.path] }, file);
      return new ConfigError(`${issue.message} (got ${describe(input)})`, where(file, issue.path));
    }
    default:
      return new ConfigError(issue.message, where(file, issue.path));
  }
}

export function fail(file: string | undefined, path: Path, message: string): never {
  throw new ConfigError(message, where(file, path));
}

/** Validates `data` against a zod schema; the first problem becomes a ConfigError naming the field. */
export function validate<T>(schema: z.ZodType<T>, data: unknown, file: string | undefined): T {
  const r = schema.safeParse(data, { reportInput: true });
  if (!r.success) throw issueToError(r.error.issues[0], file);
  return r.data;
}
