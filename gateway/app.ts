import type { RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import type { Logger } from '../config/logger.js';
import type { Contacts } from '../contacts/index.js';
import { ConflictError, ForbiddenError, NotFoundError, SearchTimeoutError } from '../contacts/errors.js';
import { ExpressionError } from '../contacts/expression.js';
import { VerificationError } from '../connectors/errors.js';
import { PublishError, RecordTooLargeError, type Publisher } from '../connectors/publisher.js';
import type { WebhookRegistry } from '../connectors/registry.js';
import { PayloadError } from '../identity/parse.js';
import { opsHandler, type OpsEndpoints } from '../runtime/ops.js';
import type { Authenticator } from './auth.js';
import { AuthenticationError } from './errors.js';
import type { LiveEvents } from './live-events.js';
import { meteredPublisher, type GatewayMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api/index.js';
import { messagesFastPath, messagesRoutes } from './routes/messages.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  /** The contacts domain: every admin route calls one of its operations. */
  contacts: Contacts;
  authenticate: Authenticator;
  publisher: Publisher;
  /** Webhook connectors, enabled or not by their secrets. */
  webhooks: WebhookRegistry;
  logger: Logger;
  metrics: GatewayMetrics;
  /** `/healthz`, `/readyz` and `/metrics`, as every process serves them. */
  ops: OpsEndpoints;
  maxBodyBytes: number;
  /** The largest CSV import accepted; larger ones are answered 413 without reading on. */
  importMaxBytes: number;
  /** The WhatsApp accounts the `whatsapp` process runs (WHATSAPP_ACCOUNTS): the admin API shows and pairs them. */
  whatsappAccounts: readonly string[];
  /** Contact events for the console's live updates (`GET /api/events`); without it that route answers 503. */
  liveEvents?: LiveEvents;
  clock: () => Date;
}

/** The gateway over HTTP: what its server runs, and the express app behind it. */
export interface GatewayHttp {
  /**
   * What the server runs: a plain `POST /v1/messages` (the API channel's hot path, see `messagesFastPath`) is
   * answered before express sees it, every other request by `app`. Express sets each request up before its first
   * middleware runs (two prototype swaps, a final handler, the router's walk), and what runs on the swapped
   * objects is slower too: mounted as express's first middleware the same fast path cost the gateway 240–310 µs of
   * CPU a request on the bench's 2-core machine, in front of express 100–150.
   */
  listener: RequestListener;
  /** Every route, and the API channel's requests the fast path leaves (tests read its routes). */
  app: Express;
}

export function createHttp(appDeps: AppDeps): GatewayHttp {
  const deps = { ...appDeps, publisher: meteredPublisher(appDeps.publisher, appDeps.metrics) };
  const log = deps.logger.child({ module: 'http' });
  const app = expressApp(deps, log);
  const fastPath = messagesFastPath(deps, (error, req) => answerTo(error, log, req.method, req.url));
  return { app, listener: (req, res) => fastPath(req, res, () => app(req, res)) };
}

function expressApp(deps: AppDeps, log: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  const answerError = errorAnswer(log);
  app.use((req, res, next) => {
    res.on('finish', () => deps.metrics.requests.inc({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(opsHandler(deps.ops));
  app.use(messagesRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(apiRoutes(deps));
  app.use(adminRoutes());
  app.use((req, res) => {
    closeIfBodyUnread(req, res);
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use(((error, req, res, _next) => answerError(error, req, res)) satisfies ErrorRequestHandler);
  return app;
}

/** The one place an error becomes an HTTP status and a JSON body (express's routes; the fast path writes its own). */
function errorAnswer(log: Logger) {
  return (error: unknown, req: Request, res: Response): void => {
    if (res.headersSent) {
      // Part of the answer (a CSV export) is out: the client must see a cut transfer, never wait for the rest.
      log.error({ err: error, method: req.method, path: req.path }, 'response failed after it started; connection closed');
      res.destroy();
      return;
    }
    const { status, headers, body } = answerTo(error, log, req.method, req.path);
    closeIfBodyUnread(req, res);
    res.status(status).set(headers).json(body);
  };
}

/** What an error is answered with, whoever writes it. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string } };
}

/** An error's answer, logged as an error when it is the gateway's fault. */
function answerTo(error: unknown, log: Logger, method: string | undefined, path: string | undefined): ErrorAnswer {
  const { status, code, message, details } = toHttp(error);
  if (status >= 500) log.error({ err: error, method, path }, 'request failed');
  else log.debug({ method, path, status, code }, message);
  return { status, headers: status === 503 ? { 'Retry-After': '5' } : {}, body: { error: { code, message, ...details } } };
}

/**
 * An answer sent before the request body was read to its end (a 401 before the upload, a 413 half-way) closes
 * the connection: what is left of the body would otherwise be read as the next request on a kept-alive one.
 */
function closeIfBodyUnread(req: Request, res: Response): void {
  if (!req.complete) res.set('Connection', 'close');
}

interface HttpAnswer {
  status: number;
  code: string;
  message: string;
  details?: object;
}

function toHttp(error: unknown): HttpAnswer {
  if (error instanceof ExpressionError) return { status: 400, code: 'invalid_expression', message: error.message };
  if (error instanceof RecordTooLargeError) return { status: 413, code: 'payload_too_large', message: error.message };
  if (error instanceof PayloadError) {
    return { status: 400, code: 'invalid_payload', message: error.message, details: error.field ? { field: error.field } : undefined };
  }
  if (error instanceof VerificationError) return { status: error.status, code: 'invalid_signature', message: error.message };
  if (error instanceof AuthenticationError) return { status: 401, code: 'unauthenticated', message: error.message };
  if (error instanceof ForbiddenError) return { status: 403, code: 'forbidden', message: error.message };
  if (error instanceof NotFoundError) return { status: 404, code: 'not_found', message: error.message };
  if (error instanceof ConflictError) return { status: 409, code: 'conflict', message: error.message, details: error.details };
  if (error instanceof PublishError) return { status: 503, code: 'unavailable', message: 'the message queue is unavailable; retry later' };
  if (error instanceof SearchTimeoutError) return { status: 503, code: 'search_timeout', message: error.message };
  return bodyParserAnswer(error) ?? { status: 500, code: 'internal', message: 'internal error' };
}

/**
 * What express's body parsers throw: too large, not JSON, a Content-Encoding that does not decompress (zlib and
 * brotli errors they mark 400), or another client error of theirs (`expose`: its message is safe to show).
 */
function bodyParserAnswer(error: unknown): HttpAnswer | undefined {
  const bodyError = error as { type?: string; status?: number; limit?: number; message?: string; expose?: boolean; code?: string };
  if (bodyError.type === 'entity.too.large') {
    return { status: 413, code: 'payload_too_large', message: `the body exceeds the limit of ${bodyError.limit} bytes` };
  }
  if (bodyError.type === 'entity.parse.failed') return { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
  const clientError = typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500;
  if (clientError && bodyError.expose === true && !bodyError.type && bodyError.code) {
    return { status: 400, code: 'invalid_body', message: `the body does not decompress as its Content-Encoding says: ${bodyError.message}` };
  }
  if (clientError && (bodyError.type || bodyError.expose === true)) {
    return { status: bodyError.status!, code: 'invalid_body', message: bodyError.message ?? 'the body cannot be read' };
  }
  return undefined;
}
