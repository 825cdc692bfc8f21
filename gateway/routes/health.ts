import { Router } from 'express';
import { checkReadiness } from '../../config/readiness.js';
import type { AppDeps } from '../app.js';

/** Liveness, readiness (every dependency answers) and Prometheus metrics. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, body } = await checkReadiness(deps.readiness);
    res.status(ready ? 200 : 503).json(body);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
