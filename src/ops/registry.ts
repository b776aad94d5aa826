/**
 * Every operation set, by name: the one list. Adding an access source is one
 * module exporting its descriptor (ops/descriptor.ts) and one line here; runs,
 * the CLI's `--ops`, the kdamonds `ops` field and DAMOS setup all look here.
 */
import type { AddressSpaceKind, OpsDescriptor } from "./descriptor.js";
import { paddrFaultDescriptor, vaddrFaultDescriptor } from "./fault.js";
import { fvaddrDescriptor } from "./fvaddr.js";
import { hwsampleDescriptor, hwsampleVaddrDescriptor } from "./hwsample.js";
import { paddrDescriptor } from "./paddr.js";
import { ptscanDescriptor } from "./ptscan.js";
import { vaddrDescriptor, vaddrFlushDescriptor } from "./vaddr.js";

export type { AddressSpaceKind, OpsBuildOptions, OpsDescriptor } from "./descriptor.js";

const REGISTRY = new Map<string, OpsDescriptor>();

/** Adds an operation set (tests register their own); a name is registered once. */
export function registerOps(d: OpsDescriptor): void {
  if (REGISTRY.has(d.name)) throw new RangeError(`operation set '${d.name}' is already registered`);
  REGISTRY.set(d.name, d);
}

registerOps(vaddrDescriptor);
registerOps(vaddrFlushDescriptor);
registerOps(paddrDescriptor);
registerOps(vaddrFaultDescriptor);
registerOps(paddrFaultDescriptor);
registerOps(hwsampleDescriptor);
registerOps(hwsampleVaddrDescriptor);
registerOps(fvaddrDescriptor);
registerOps(ptscanDescriptor);

/** Names of every registered operation set, in registration order. */
export function opsNames(): string[] {
  return [...REGISTRY.keys()];
}

/** The descriptor of `name`, or undefined. */
export function findOps(name: string): OpsDescriptor | undefined {
  return REGISTRY.get(name);
}

/** The descriptor of `name`; a RangeError naming the known sets when there is none. */
export function opsDescriptor(name: string): OpsDescriptor {
  const d = REGISTRY.get(name);
  if (!d) throw new RangeError(`unknown operation set '${name}' (known: ${opsNames().join(", ")})`);
  return d;
}

/** Whether an operation set monitors virtual or physical addresses. */
export function opsSpace(name: string): AddressSpaceKind {
  return opsDescriptor(name).space;
}
