/**
 * Errors of the sysfs backend, each saying what happened and what to do. damo's users
 * complain of bare errno messages, so a failed write names the file, the value and
 * what the errno means for that file.
 */
import { PROBE_HITS_WSUM_FEATURE } from "./probe-writes.js";

/** A write to a DAMON sysfs file failed. */
export class KernelWriteError extends Error {
  constructor(
    readonly file: string,
    readonly value: string,
    readonly errno: string,
    meaning: string,
  ) {
    super(`writing '${value}' to ${file} failed with ${errno}: ${meaning}`);
    this.name = "KernelWriteError";
  }
}

/** Kdamonds exist that this tool did not create; writing nr_kdamonds would destroy them. */
export class ForeignKdamondsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForeignKdamondsError";
  }
}

/** The DAMON sysfs tree (or a file a setting needs) is not there. */
export class SysfsMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SysfsMissingError";
  }
}

/** What an errno from writing `value` to `file` means, in a user's words. */
export function explainWriteErrno(file: string, value: string, errno: string): string {
  const name = file.split("/").pop() ?? file;
  if (name === "state") {
    if (errno === "EINVAL") {
      if (value === "on" || value === "commit")
        return "the kernel rejected the parameters (check intervals: sample <= aggr; nr_regions: 3 <= min <= max; a target pid that exists; operations the kernel has; quota goal target_value not 0; filter ranges)";
      if (value === "off") return "the kdamond is not running";
      return `'${value}' needs a running kdamond (or this kernel does not know the command)`;
    }
    if (errno === "EBUSY")
      return value === "on" ? "the kdamond is already running" : "the kdamond is busy; retry";
    if (errno === "ESRCH") return "the target process does not exist";
    if (errno === "ENOMEM") return "the kernel is out of memory";
  }
  if (name === "nr_kdamonds" && errno === "EBUSY")
    return "a kdamond is running; nr_kdamonds cannot change until every kdamond is off";
  if (errno === "EBUSY") return "the kdamond is running and this file cannot change now; turn it off first";
  if (errno === "EINVAL" && name === "type" && value === "probe_hits_wsum")
    return `this kernel does not know ${PROBE_HITS_WSUM_FEATURE}`;
  if (errno === "EINVAL") return `the kernel does not accept '${value}' here (wrong keyword or out of range)`;
  if (errno === "EACCES" || errno === "EPERM") return "permission denied: DAMON's sysfs files need root";
  if (errno === "ENOENT")
    return "no such file: this kernel's DAMON lacks the feature (too old) or the tree changed";
  if (errno === "ENOMEM") return "the kernel is out of memory";
  return "unexpected error";
}
