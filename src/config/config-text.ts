/** Reading configuration text (kdamonds files, sweep grids): JSON or YAML, errors naming the file and line. */
import { readFileSync } from "node:fs";
import * as YAML from "yaml";
import { ConfigError } from "../util/errors.js";

/** Decodes JSON or YAML text (JSON when it starts with `{`/`[`, or the name ends in .json). */
export function decodeConfigText(text: string, file?: string): unknown {
  // A byte-order mark (some Windows editors write one) is not part of the text.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const json = file ? /\.json$/i.test(file) : /^\s*[[{]/.test(text);
  if (json || /^\s*[[{]/.test(text)) {
    try {
      const data = JSON.parse(text) as unknown;
      // JSON.parse keeps the last of duplicate keys silently; YAML (a superset) tells.
      const dup = YAML.parseDocument(text, { uniqueKeys: true }).errors.find(
        (e) => e.code === "DUPLICATE_KEY",
      );
      if (dup) {
        const line = text.slice(0, dup.pos[0]).split("\n").length;
        throw new ConfigError(
          `duplicate key: ${dup.message.split("\n")[0]}`,
          file ? `${file}:${line}` : `line ${line}`,
        );
      }
      return data;
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg);
      // Node 20 does not always say where; YAML (a superset of JSON) can.
      const yamlPos = pos ? undefined : YAML.parseDocument(text).errors[0]?.pos[0];
      const at = pos ? Number(pos[1]) : yamlPos;
      const line = at === undefined ? undefined : text.slice(0, at).split("\n").length;
      throw new ConfigError(`not valid JSON: ${msg}`, file ? `${file}${line ? `:${line}` : ""}` : undefined);
    }
  }
  const docs = YAML.parseAllDocuments(text, { prettyErrors: false, logLevel: "error" });
  const all = Array.isArray(docs) ? docs : [];
  for (const doc of all) {
    if (doc.errors.length === 0) continue;
    const err = doc.errors[0];
    const line = text.slice(0, err.pos[0]).split("\n").length;
    throw new ConfigError(
      `not valid YAML: ${err.message.split("\n")[0]}`,
      file ? `${file}:${line}` : `line ${line}`,
    );
  }
  if (all.length > 1) {
    const line = text.slice(0, all[1].range[0]).split("\n").length;
    throw new ConfigError(
      "a second YAML document ('---'): a configuration file holds one",
      file ? `${file}:${line}` : `line ${line}`,
    );
  }
  if (all.length === 0) return null;
  try {
    // Keys that are not plain scalars (a list or map as a key) would become strings with a warning.
    return all[0].toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (e) {
    throw new ConfigError(`cannot read its YAML: ${e instanceof Error ? e.message : String(e)}`, file);
  }
}

/** A configuration file's text; an unreadable file is a ConfigError naming it. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
}
