import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { clusterMetrics } from './cluster.js';
import { checkReadiness, type ReadinessChecks } from './readiness.js';

export interface OpsEndpoints {
  readiness: ReadinessChecks;
  registry: Registry;
  /** More to show on `/readyz` beside the checks, e.g. each stream connector's state. */
  details?: () => Record<string, unknown>;
}

/**
 * `/healthz` (the process runs), `/readyz` (every dependency answers; 503 with the failing ones otherwise) and
 * `/metrics` (Prometheus; every worker's, summed, when a cluster serves the port), the same in every process.
 * Anything else goes to `next`, so a process with HTTP of its own (the gateway) mounts this first and one
 * without it answers 404.
 */
export function opsHandler(ops: OpsEndpoints) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      void checkReadiness(ops.readiness).then(({ ready, body }) => json(res, ready ? 200 : 503, { ...body, ...ops.details?.() }), () =>
        json(res, 503, { status: 'unavailable' }));
      return;
    }
    if (path === '/metrics') {
      // A cluster worker's own counters are a share of the port's: the primary sums every worker's.
      void (cluster.isWorker ? clusterMetrics() : ops.registry.metrics()).then((text) => {
        res.writeHead(200, { 'content-type': ops.registry.contentType }).end(text);
      }, () => json(res, 500, { error: { code: 'internal', message: 'metrics could not be collected' } }));
      return;
    }
    next();
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
