import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../config/logger.js';
import { PublishError, type Publisher } from '../connectors/publisher.js';
import type { Db } from '../db/client.js';
import type { Authenticator } from './auth.js';
import { HttpError } from './errors.js';
import { ExpressionError } from './contacts/expression.js';
import { FilterError } from './contacts/filters.js';
import { CursorError } from '../db/repositories/contact-profiles.js';
import { meteredPublisher, type GatewayMetrics } from './metrics.js';
import type { ReadinessChecks } from '../config/readiness.js';
import { healthRoutes } from './routes/health.js';
import { messagesRoutes } from './routes/messages.js';
import { apiRoutes } from './routes/api/index.js';
import type { EventRelay } from './event-relay.js';
import type { RunChange } from './contacts/change.js';
import type { DeleteJobs } from './contacts/delete.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { WebhookRegistry } from '../connectors/registry.js';
import { MalformedBodyError, VerificationError } from '../connectors/errors.js';

export interface AppDeps {
  db: Db;
  authenticate: Authenticator;
  publisher: Publisher;
  /** Webhook connectors, enabled or not by their secrets. */
  webhooks: WebhookRegistry;
  /** Relays contact events that admin changes write to the outbox. */
  events: EventRelay;
  /** Runs admin changes with their audit entries and events in one transaction. */
  runChange: RunChange;
  deleteJobs: DeleteJobs;
  logger: Logger;
  metrics: GatewayMetrics;
  readiness: ReadinessChecks;
  maxBodyBytes: number;
  clock: () => Date;
}

/** The gateway's express app, without `listen`: tests mount it on a random port. */
export function createApp(appDeps: AppDeps): Express {
  const deps = { ...appDeps, publisher: meteredPublisher(appDeps.publisher, appDeps.metrics) };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use((req, res, next) => {
    res.on('finish', () => deps.metrics.requests.inc({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(healthRoutes(deps));
  app.use(messagesRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(apiRoutes(deps));
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use(errorHandler(deps.logger.child({ module: 'http' })));
  return app;
}

/** The one place an error becomes an HTTP status and a JSON body. */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const { status, code, message, details } = toHttp(error);
    if (status >= 500) log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    else log.debug({ method: req.method, path: req.path, status, code }, message);
    if (res.headersSent) return;
    if (status === 503) res.set('Retry-After', '5');
    res.status(status).json({ error: { code, message, ...details } });
  };
}

function toHttp(error: unknown): { status: number; code: string; message: string; details?: object } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  if (error instanceof VerificationError) return { status: error.status, code: 'invalid_signature', message: error.message };
  if (error instanceof MalformedBodyError) {
    return { status: 400, code: 'invalid_payload', message: error.message, details: error.field ? { field: error.field } : undefined };
  }
  if (error instanceof ExpressionError) return { status: 400, code: 'invalid_expression', message: error.message };
  if (error instanceof FilterError || error instanceof CursorError) {
    return { status: 400, code: 'invalid_payload', message: error.message };
  }
  if (error instanceof PublishError) return { status: 503, code: 'unavailable', message: 'the message queue is unavailable; retry later' };
  const bodyError = error as { type?: string; status?: number; limit?: number };
  if (bodyError.type === 'entity.too.large') {
    return { status: 413, code: 'payload_too_large', message: `the body exceeds the limit of ${bodyError.limit} bytes` };
  }
  if (bodyError.type === 'entity.parse.failed') return { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
  if (bodyError.type && bodyError.status && bodyError.status < 500) {
    return { status: bodyError.status, code: 'invalid_body', message: (error as Error).message };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}
