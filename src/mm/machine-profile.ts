/**
 * Machine profiles: a TLB geometry and the TLB invalidation events of one kind of
 * machine, chosen together (`--machine-profile`, docs/memory-model.md "Machine
 * profiles"). Whether DAMON's Accessed-bit sampling sees a hot page depends on
 * whether its translation is dropped between mkold and the check, so the profile
 * decides what a small hot set looks like.
 */
import type { MachineOptions } from "./machine.js";
import type { TlbEventConfig } from "./tlb-events.js";
import type { TlbConfig } from "./tlb.js";

export const MACHINE_PROFILE_NAMES = ["guest", "server", "ideal"] as const;
export type MachineProfileName = (typeof MACHINE_PROFILE_NAMES)[number];

export interface MachineProfile {
  name: MachineProfileName;
  /** One line for --help and the docs. */
  summary: string;
  /** TLB geometry per CPU, or false: no TLB model (every access sets the Accessed bit). */
  tlb: TlbConfig | false;
  events: TlbEventConfig;
}

/**
 * - `guest`: the qemu guest of `damon-ts vm` / `fidelity` (Debian 6.12 cloud kernel,
 *   TCG, `pti=on`). Measured (scripts/measure-guest.ts, docs/memory-model.md): CONFIG_HZ=250, the
 *   emulated CPU (qemu64) has no `pcid` flag and the kernel reports "Mitigation: PTI",
 *   so every kernel entry — at least every timer tick — returns to user space through
 *   a CR3 write that drops all user translations. qemu's software TLB is direct-mapped
 *   and resized between 256 and 2^22 entries by use; modelled as a large 4-way TLB
 *   because the tick flushes decide what DAMON sees, not its capacity.
 * - `server`: a modern x86 server core: PCID (user entries survive kernel entries and
 *   switches between a few processes), no PTI (CPUs not affected by Meltdown), HZ 1000,
 *   a 2048-entry 16-way second-level TLB (8 MiB of 4 KiB pages).
 * - `ideal`: no TLB effect at all: every access sets the Accessed bit.
 */
export const MACHINE_PROFILES: Readonly<Record<MachineProfileName, MachineProfile>> = Object.freeze({
  guest: {
    name: "guest",
    summary: "our qemu guest: TCG, pti=on, no PCID, HZ 250 (every tick flushes user TLB entries)",
    tlb: { entries: 16384, ways: 4 },
    events: { hz: 250, pti: true, pcid: false, tickNs: 2000, kernelEntryNs: 500 },
  },
  server: {
    name: "server",
    summary: "modern x86 server: PCID, no PTI, HZ 1000, 2048-entry 16-way STLB (entries survive ticks)",
    tlb: { entries: 2048, ways: 16 },
    events: { hz: 1000, pti: false, pcid: true, tickNs: 1000, kernelEntryNs: 100 },
  },
  ideal: {
    name: "ideal",
    summary: "no TLB effect: every access sets the Accessed bit",
    tlb: false,
    events: { hz: 0, pti: false, pcid: true, tickNs: 0, kernelEntryNs: 0 },
  },
});

/** The machine options of a profile (merged under `base`, whose own TLB settings are replaced). */
export function machineOptionsFor(name: MachineProfileName, base: MachineOptions = {}): MachineOptions {
  const p = MACHINE_PROFILES[name];
  return {
    ...base,
    tlb: p.tlb === false ? false : { ...p.tlb },
    tlbEvents: { ...p.events },
    tlbFlushEveryNs: 0,
  };
}

/** `base` on the profile's TLB and events; with the TLB model off (`--tlb off`), no TLB. */
export function withMachineProfile(
  base: MachineOptions,
  profile: MachineProfileName,
  tlbOn: boolean,
): MachineOptions {
  return tlbOn ? machineOptionsFor(profile, base) : { ...base, tlb: false };
}

export function isMachineProfileName(s: string): s is MachineProfileName {
  return (MACHINE_PROFILE_NAMES as readonly string[]).includes(s);
}
