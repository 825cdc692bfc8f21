import { withTimeout } from '../config/timeout.js';

/** Readiness probes shared by the gateway and the resolver: each check must settle within the timeout. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ReadinessReport {
  ready: boolean;
  body: { status: 'ready' | 'unavailable'; checks: Record<string, string> };
}

/** Runs every check at once; `/readyz` answers 200 with the body when all say `ok`, 503 otherwise. */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs = 3_000): Promise<ReadinessReport> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    try {
      await withTimeout(check(), timeoutMs, 'timed out');
      return [name, 'ok'] as const;
    } catch (error) {
      return [name, (error as Error).message || 'failed'] as const;
    }
  }));
  const ready = entries.every(([, result]) => result === 'ok');
  return { ready, body: { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(entries) } };
}
