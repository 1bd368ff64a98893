import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Shown in /health/ready (e.g. 'postgres', 'kafka', 'event-store'). */
  name: string;
  /** Resolves when the dependency is usable; rejects (or resolves false) when not. */
  check(): Promise<unknown>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** 'timeout' or 'error' when not ok (details go to the log, not to the probe). */
  error?: 'timeout' | 'error';
  ms: number;
}

/** Modules register what readiness depends on: `registry.register({ name: 'kafka', check: () => admin.describeCluster() })`. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  /** Runs every check in parallel, each bounded by timeoutMs. */
  async run(timeoutMs: number, onFailure?: (name: string, error: unknown) => void): Promise<{ ok: boolean; checks: CheckResult[] }> {
    const results = await Promise.all(
      [...this.checks.values()].map(async (check): Promise<CheckResult> => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        try {
          const outcome = await Promise.race([check.check(), timeout]);
          const ms = Math.round(performance.now() - started);
          if (outcome === 'timeout') {
            onFailure?.(check.name, new Error(`readiness check timed out after ${timeoutMs} ms`));
            return { name: check.name, ok: false, error: 'timeout', ms };
          }
          if (outcome === false) {
            onFailure?.(check.name, new Error('readiness check returned false'));
            return { name: check.name, ok: false, error: 'error', ms };
          }
          return { name: check.name, ok: true, ms };
        } catch (error) {
          onFailure?.(check.name, error);
          return { name: check.name, ok: false, error: 'error', ms: Math.round(performance.now() - started) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: results.every((r) => r.ok), checks: results };
  }
}
