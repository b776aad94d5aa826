/** Access generators: masim configs and built-in workloads. */
export * from "./masim-config.js";
export * from "./spec.js";
export * from "./zipf.js";
export * from "./phased-stream.js";
export * from "./builtins.js";
export * from "./instantiate.js";
export * from "./setup.js";
export * from "./replay-stream.js";
