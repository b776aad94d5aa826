/** The simulated memory system (docs/memory-model.md). */
export * from "./vma.js";
export * from "./cost-model.js";
export * from "./frames.js";
export * from "./tlb.js";
export * from "./address-space.js";
export * from "./machine.js";
export * from "./driver.js";
