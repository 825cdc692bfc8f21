import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { parseWith, PayloadError } from '../../identity/parse.js';
import { storableDeep } from '../../identity/text.js';
import { VerificationError } from '../errors.js';
import { parseJson } from '../parse.js';
import { published, type WebhookConnector, type WebhookRequest, type WebhookResult } from '../types.js';
import { WEBCHAT_ROUTES, type PerMinuteLimiter, type WebchatSettings, type WebchatSite, type WebchatStore,
  type WebchatVisitor } from './config.js';
import { messageEnvelope, profileAfterSession, visitorIdentity, visitorName } from './normalise.js';
import { allowedOrigin, corsHeaders, readCookie, visitorCookie } from './http.js';
import { messageSchema, sessionSchema, siteId, unsubscribeSchema } from './schema.js';
import { newVisitorId, readToken, signToken, tokenKey, isVouchedFor } from './token.js';
import { widgetAssets } from './widget.js';

type Handler = (request: WebhookRequest, site: WebchatSite, receivedAt: Date) => Promise<WebhookResult>;

/**
 * The web chat we host: the widget and its demo page, the widget's config, visitor sessions (a signed cookie
 * per site) and messages. Visitors are people's browsers, not a provider: every answer carries CORS headers for
 * the site's origins only, requests from other origins are refused, and sessions and messages are rate-limited.
 */
export function createWebchatConnector(settings: WebchatSettings, store: WebchatStore, perMinute: PerMinuteLimiter): WebhookConnector {
  const keys = settings.secrets.map(tokenKey);
  const assets = widgetAssets();
  const limits = {
    sessionsByAddress: perMinute('webchat-sessions-by-address', settings.sessionsPerMinute),
    messagesByVisitor: perMinute('webchat-messages-by-visitor', settings.messagesPerMinute),
    messagesByAddress: perMinute('webchat-messages-by-address', settings.messagesPerMinute * 5),
  };

  /** The visitor a request's cookie names for `site`, or undefined (none, tampered, expired, or unknown). */
  async function visitorOf(request: WebhookRequest, site: WebchatSite, now: Date): Promise<WebchatVisitor | undefined> {
    const token = readToken(readCookie(request.headers.cookie, site.id), keys, site.id, now);
    return token && store.visitor(token.visitorId);
  }

  const handlers: Record<string, Handler> = {
    async 'GET /webchat/config'(request, site, now) {
      const visitor = await visitorOf(request, site, now);
      const hidden = visitor ? await store.isBlocked(visitorIdentity(visitor)) : false;
      return json(200, { site: site.id, hidden, prechat: site.prechatFields, greeting: site.greeting,
        ...(visitor && !hidden ? { name: visitorName(visitor), identified: visitor.identifier !== null } : {}) });
    },

    async 'POST /webchat/session'(request, site, now) {
      await consume(limits.sessionsByAddress, `address:${request.ip}`);
      // What a browser sends is a customer's word like a provider's: made storable, never refused for a character.
      const session = storableDeep(parseWith(sessionSchema, parseJson(request.rawBody)));
      if (session.identifier !== undefined && !isVouchedFor(session.identifier, session.identifierHash!, site.identitySecret)) {
        throw new VerificationError('identifierHash is not HMAC-SHA256(identifier) with this site\'s secret');
      }
      const known = await visitorOf(request, site, now);
      const visitor: WebchatVisitor = {
        id: known?.id ?? newVisitorId(), siteId: site.id,
        identifier: session.identifier ?? known?.identifier ?? null,
        profile: profileAfterSession(known?.profile ?? {}, session, request.headers['accept-language']),
      };
      await store.saveVisitor(visitor, now);
      const expiresAt = Math.floor(now.getTime() / 1000) + settings.visitorDays * 86_400;
      const cookie = visitorCookie(site.id, signToken({ visitorId: visitor.id, site: site.id, expiresAt }, keys[0]!),
        settings.visitorDays * 86_400, request.protocol === 'https');
      const hidden = await store.isBlocked(visitorIdentity(visitor));
      return json(200, { name: visitorName(visitor), hidden, returning: known !== undefined }, { 'Set-Cookie': cookie });
    },

    async 'POST /webchat/messages'(request, site, now) {
      await consume(limits.messagesByAddress, `address:${request.ip}`);
      const message = parseWith(messageSchema, parseJson(request.rawBody));
      const visitor = await visitorOf(request, site, now);
      if (!visitor) throw new VerificationError('no visitor session for this site: start one with POST /webchat/session');
      await consume(limits.messagesByVisitor, `visitor:${visitor.id}`);
      if (message.text.trim() === '') throw new PayloadError('text: a message needs some text', 'text');
      if (message.text.length > settings.maxMessageChars) {
        throw new PayloadError(`text: a message may have at most ${settings.maxMessageChars} characters`, 'text');
      }
      const outcome = published(messageEnvelope(visitor, message, now));
      return { ...json(202, { id: outcome.envelopes[0]?.id }), ...outcome };
    },

    async 'POST /webchat/unsubscribe'(request, site, now) {
      parseWith(unsubscribeSchema, parseJson(request.rawBody));
      const visitor = await visitorOf(request, site, now);
      if (!visitor) throw new VerificationError('no visitor session for this site: start one with POST /webchat/session');
      const outcome = await store.unsubscribe(visitorIdentity(visitor), visitor.id);
      if (outcome === 'no_contact') return json(409, { error: { code: 'conflict', message: 'send a message first: there is no contact yet' } });
      return json(200, { emailSubscription: 'unsubscribed' });
    },
  };

  return {
    name: 'webchat',
    routes: WEBCHAT_ROUTES,
    async handle(request, receivedAt) {
      const path = new URL(request.url, 'http://gateway.invalid').pathname;
      if (request.method === 'GET' && path === '/webchat/widget.js') return assets.widget(request);
      if (request.method === 'GET' && path === '/webchat/demo') return assets.demo(request);
      const siteIdGiven = siteOf(request);
      const site = siteIdGiven === undefined ? undefined : await store.site(siteIdGiven);
      if (!site) return json(404, { error: { code: 'not_found', message: `no web-chat site ${JSON.stringify(siteIdGiven ?? '')}` } });
      const origin = allowedOrigin(request, site);
      if (origin === false) return json(403, { error: { code: 'forbidden', message: 'this origin may not embed this site\'s chat' } });
      const cors = origin === undefined ? {} : corsHeaders(origin);
      if (request.method === 'OPTIONS') return { ...json(204, ''), headers: cors, body: '' };
      const handler = handlers[`${request.method} ${path}`];
      if (!handler) return json(404, { error: { code: 'not_found', message: `no route for ${request.method} ${path}` } });
      try {
        const result = await handler(request, site, receivedAt);
        return { ...result, headers: { ...cors, ...result.headers } };
      } catch (error) {
        return { ...refusal(error), headers: { ...cors, ...(error instanceof RateLimiterRes ? retryAfter(error) : {}) } };
      }
    },
  };
}

/** The site a request is for: `?site=` (every widget call carries it, preflights included), else the body's. */
function siteOf(request: WebhookRequest): string | undefined {
  const fromQuery = new URL(request.url, 'http://gateway.invalid').searchParams.get('site');
  let candidate: unknown = fromQuery ?? undefined;
  if (candidate === undefined && request.method === 'POST') {
    try {
      candidate = (JSON.parse(request.rawBody.toString('utf8')) as { site?: unknown } | null)?.site;
    } catch {
      candidate = undefined;
    }
  }
  const parsed = siteId.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    // Refused: over the limit. A limiter that cannot answer (a cluster's primary too busy) refuses no one.
    if (error instanceof RateLimiterRes) throw error;
  }
}

function retryAfter(limited: RateLimiterRes): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(limited.msBeforeNext / 1000))) };
}

/** What the widget is told when a call is refused: the same JSON errors as the rest of the gateway, with CORS. */
function refusal(error: unknown): WebhookResult {
  if (error instanceof RateLimiterRes) return json(429, { error: { code: 'rate_limited', message: 'too many requests; try again shortly' } });
  if (error instanceof VerificationError) return json(error.status, { error: { code: 'unauthenticated', message: error.message } });
  if (error instanceof PayloadError) {
    return json(400, { error: { code: 'invalid_payload', message: error.message, ...(error.field ? { field: error.field } : {}) } });
  }
  throw error;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): WebhookResult {
  return { status, contentType: 'application/json', body: body === '' ? '' : JSON.stringify(body), envelopes: [], skipped: [],
    headers: { 'Cache-Control': 'no-store', ...headers } };
}
