import { Router } from 'express';
import type { AppDeps } from '../app.js';

/** Liveness, readiness (every dependency answers) and Prometheus metrics. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await runChecks(deps.readiness);
    const ready = Object.values(checks).every((check) => check === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export async function runChecks(checks: ReadinessChecks, timeoutMs = 3_000): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error('timed out')), timeoutMs); });
    try {
      await Promise.race([check(), timeout]);
      return [name, 'ok'] as const;
    } catch (error) {
      return [name, (error as Error).message || 'failed'] as const;
    } finally {
      clearTimeout(timer);
    }
  }));
  return Object.fromEntries(entries);
}
