/** Exact ground truth of page accesses. */
export * from "./ground-truth.js";
