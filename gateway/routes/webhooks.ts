import express, { Router, type Request } from 'express';
import type { WebhookConnector, WebhookRequest, WebhookRoute } from '../../connectors/types.js';
import type { AppDeps } from '../app.js';
import { NotFoundError } from '../../contacts/errors.js';

/** How many distinct unknown event types are remembered so that each is logged once. */
const MAX_REMEMBERED_UNKNOWN = 1_000;

/**
 * `/webhooks/*`: each enabled connector's routes, with the body kept raw for signature checks. The answer
 * goes out only once Kafka has acknowledged every envelope; a failed publish becomes a 503 so the provider
 * retries. Routes of disabled channels answer 404 and say what would enable them.
 */
export function webhookRoutes(deps: AppDeps): Router {
  const router = Router();
  const rawBody = express.raw({ limit: deps.maxBodyBytes, type: () => true });
  const log = deps.logger.child({ module: 'webhooks' });
  const unknownSeen = new Set<string>();

  const handler = (connector: WebhookConnector) => async (req: Request, res: express.Response) => {
    const result = await connector.handle(toWebhookRequest(req), deps.clock());
    for (const { reason, type } of result.skipped) {
      deps.metrics.webhookEvents.inc({ connector: connector.name, outcome: reason });
      const key = `${connector.name}:${type}`;
      if (reason === 'unknown' && !unknownSeen.has(key) && unknownSeen.size < MAX_REMEMBERED_UNKNOWN) {
        unknownSeen.add(key);
        log.warn({ connector: connector.name, eventType: type }, 'unknown webhook event type: answered 200 and not published');
      }
    }
    await deps.publisher.publish(result.envelopes);
    if (result.envelopes.length > 0) {
      deps.metrics.webhookEvents.inc({ connector: connector.name, outcome: 'message' }, result.envelopes.length);
    }
    log.debug({ connector: connector.name, published: result.envelopes.length, skipped: result.skipped.length }, 'webhook handled');
    res.status(result.status).set('X-Content-Type-Options', 'nosniff').set(result.headers ?? {}).type(result.contentType).send(result.body);
  };

  for (const connector of deps.webhooks.enabled) {
    for (const route of connector.routes) router.route(route.path)[verb(route)](rawBody, handler(connector));
  }
  for (const disabled of deps.webhooks.disabled) {
    for (const route of disabled.routes) {
      router.route(route.path)[verb(route)](() => {
        throw new NotFoundError(`the ${disabled.name} channel is disabled: ${disabled.reason}`);
      });
    }
  }
  return router;
}

function verb(route: WebhookRoute): 'get' | 'post' | 'options' {
  return route.method === 'GET' ? 'get' : route.method === 'OPTIONS' ? 'options' : 'post';
}

/** The connector's view of the request: no express types past this point. */
function toWebhookRequest(req: Request): WebhookRequest {
  const headers: Record<string, string | undefined> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
  return { method: req.method, url: req.originalUrl, headers, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    ip: req.ip, protocol: req.protocol };
}
