/**
 * Reading and writing damo's kdamonds configuration (formats.md §3) as JSON or YAML.
 * Parsing fills every default and converts to kernel units (kdamonds-types.ts);
 * writing produces damo's non-raw human form in damo's key order. Every invalid
 * value raises a ConfigError naming the field path (`kdamonds[0].contexts[0]...`)
 * and, for keywords, the allowed values.
 */
import { checkNotCut } from "./cut-file.js";
import { decodeConfigText, readConfigText } from "./config-text.js";
import { validate } from "./field-error.js";
import { buildContext, buildScheme } from "./kdamonds-build.js";
import { DEFAULT_INTERVALS } from "./kdamonds-defaults.js";
import { rawKdamonds, rawScheme, rawSchemesList } from "./kdamonds-schema.js";
import type { IntervalsConfig, KdamondsConfig, SchemeConfig } from "./kdamonds-types.js";
import { validateKdamonds } from "./kdamonds-validate.js";

export * from "./kdamonds-types.js";
export { UNLIMITED } from "./human-format.js";
export { CORE_FILTER_TYPES } from "../schemes/types.js";
export {
  DEFAULT_INTERVALS,
  DEFAULT_NR_REGIONS,
  defaultScheme,
  simpleKdamonds,
  type SimpleKdamondsOptions,
} from "./kdamonds-defaults.js";
export { validateKdamonds } from "./kdamonds-validate.js";
export {
  formatKdamonds,
  kdamondsToDamo,
  schemesToDamo,
  writeKdamondsFile,
  type ConfigFormat,
} from "./kdamonds-write.js";

/** Parses an already-decoded kdamonds object (`{"kdamonds": [...]}`). */
export function parseKdamonds(data: unknown, file?: string): KdamondsConfig {
  checkNotCut(data, "top", file);
  const raw = validate(rawKdamonds, data, file);
  const config: KdamondsConfig = {
    kdamonds: raw.kdamonds.map((k, ki) => ({
      refreshMs: k.refresh_ms ?? 0,
      contexts: k.contexts.map((c, ci) => buildContext(c, file, ["kdamonds", ki, "contexts", ci])),
    })),
  };
  validateKdamonds(config, file);
  return config;
}

/** Parses a bare list of scheme objects (damon-tests' `-c/--schemes` files) against given intervals. */
export function parseSchemes(
  data: unknown,
  intervals: IntervalsConfig = DEFAULT_INTERVALS,
  file?: string,
): SchemeConfig[] {
  checkNotCut(data, "scheme", file);
  const raw = validate(rawSchemesList, data, file);
  return raw.map((s, i) => buildScheme(s, intervals, file, [i]));
}

/**
 * Parses one scheme object (damo's form) against given intervals: the path the
 * compact `--scheme` form takes too, so both accept exactly the same values.
 */
export function parseScheme(data: unknown, intervals: IntervalsConfig, where: string): SchemeConfig {
  return buildScheme(validate(rawScheme, data, where), intervals, where, []);
}

/** Parses kdamonds JSON or YAML text. */
export function parseKdamondsText(text: string, file?: string): KdamondsConfig {
  return parseKdamonds(decodeConfigText(text, file), file);
}

/** Reads a kdamonds JSON or YAML file. */
export function readKdamondsFile(file: string): KdamondsConfig {
  return parseKdamondsText(readConfigText(file), file);
}
