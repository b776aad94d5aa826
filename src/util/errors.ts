/**
 * Typed errors carrying where the problem is. Library code throws these; only the
 * CLI turns them into one-line messages and exit codes (CONVENTIONS.md).
 */

/** Base of every error that names bad input (exit code 2). */
export class InputError extends Error {
  /** Where the problem is: `file:line`, a field path, a snapshot index, ... */
  readonly where: string | undefined;
  constructor(message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = new.target.name;
    this.where = where;
  }
}

/** A command-line usage problem (unknown option value, missing argument). */
export class UsageError extends InputError {}

/** A configuration that does not validate (attrs, masim config, kdamonds file). */
export class ConfigError extends InputError {}

/** A file whose content is not in the expected format (records, traces). */
export class FormatError extends InputError {}

/** The kernel's -EINVAL: a DAMON API call with invalid arguments; nothing was changed. */
export class DamonInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DamonInvalidError";
  }
}
