/**
 * Progress of long simulations on stderr (cli-progress), shown only when stderr
 * is a terminal unless forced, so piped and JSON output stay clean.
 */
import cliProgress from "cli-progress";

export class RunProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private started = false;

  constructor(
    private readonly label: string,
    force = false,
  ) {
    const enabled = force || process.stderr.isTTY === true;
    this.bar = enabled
      ? new cliProgress.SingleBar({
          stream: process.stderr,
          format: "{label} |{bar}| {value}/{total} s simulated, {eta_formatted} left",
          noTTYOutput: force && !process.stderr.isTTY,
          notTTYSchedule: 2000,
          hideCursor: true,
          clearOnComplete: true,
        })
      : null;
  }

  /** Reports simulated progress in ns of `totalNs`. */
  update(nowNs: number, totalNs: number): void {
    if (!this.bar) return;
    const total = Math.max(1, Math.round(totalNs / 1e9));
    const value = Math.min(total, Math.round(nowNs / 1e9));
    if (!this.started) {
      this.bar.start(total, value, { label: this.label });
      this.started = true;
    } else this.bar.update(value, { label: this.label });
  }

  done(): void {
    if (this.bar && this.started) this.bar.stop();
  }
}
