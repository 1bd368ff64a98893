/**
 * The background timers of one sandbox area (auto-settlement). Timers never keep the process alive (unref), and once
 * closed (app shutdown) nothing new is scheduled and nothing pending runs.
 */
export class SandboxTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `task` once after `delayMs`, unless closed by then. */
  after(delayMs: number, task: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) task();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
