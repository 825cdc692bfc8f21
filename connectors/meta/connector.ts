import { VerificationError } from '../errors.js';
import { parseWith } from '../../identity/parse.js';
import { parseJson } from '../parse.js';
import { sameSecret } from '../secret.js';
import type { WebhookConnector, WebhookRequest, WebhookResult } from '../types.js';
import { META_ROUTES, type MetaSettings } from './config.js';
import { normaliseMeta } from './normalise.js';
import { metaWebhookSchema } from './schema.js';
import { isSignedByMeta } from './verify.js';

/** `GET|POST /webhooks/meta`: Messenger, Instagram and the WhatsApp Cloud API, one app subscription. */
export function createMetaConnector(settings: MetaSettings): WebhookConnector {
  return {
    name: 'meta',
    routes: META_ROUTES,
    handle(request, receivedAt) {
      if (request.method === 'GET') return answerSubscriptionCheck(request, settings.verifyToken);
      if (!isSignedByMeta(settings.appSecret, request.headers['x-hub-signature-256'], request.rawBody)) {
        throw new VerificationError('X-Hub-Signature-256 does not match the body', 403);
      }
      const webhook = parseWith(metaWebhookSchema, parseJson(request.rawBody));
      return { ...normaliseMeta(webhook, receivedAt), status: 200, contentType: 'application/json', body: '{"ok":true}' };
    },
  };
}

/** Meta's subscription check: echo `hub.challenge` when the verify token is ours. */
function answerSubscriptionCheck(request: WebhookRequest, verifyToken: string): WebhookResult {
  const query = new URL(request.url, 'http://gateway.invalid').searchParams;
  if (query.get('hub.mode') !== 'subscribe' || !sameSecret(query.get('hub.verify_token') ?? undefined, verifyToken)) {
    throw new VerificationError('hub.mode must be subscribe and hub.verify_token must match META_VERIFY_TOKEN', 403);
  }
  return { envelopes: [], skipped: [], status: 200, contentType: 'text/plain', body: query.get('hub.challenge') ?? '' };
}
