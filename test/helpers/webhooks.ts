import { createHmac } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { WebhooksConfig } from '../../config/index.js';
import type { WebhookConnector, WebhookRequest } from '../../connectors/types.js';
import type { Harness } from './harness.js';

/** The secrets the test gateway is configured with, and how each provider would sign a request with them. */
export const TEST_WEBHOOKS = {
  twilio: { authToken: 'twilio-test-auth-token', publicUrl: 'https://hooks.tributary.test' },
  meta: { appSecret: 'meta-test-app-secret', verifyToken: 'meta-test-verify-token' },
  telegram: { botToken: '7000000001:test-bot-token', botId: '7000000001', mode: 'webhook', webhookSecret: 'telegram-test-secret',
    apiRoot: 'https://api.telegram.org', pollTimeoutS: 0 },
  webchat: { secrets: ['webchat-test-secret-0123456789abcdef0123456789'], maxMessageChars: 4_000, messagesPerMinute: 600,
    sessionsPerMinute: 600, visitorDays: 180 },
} as const satisfies WebhooksConfig;

/** A request as the provider sends it: the body bytes and the headers that sign them. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Twilio's form body and its `X-Twilio-Signature` over the public URL Twilio called. */
export function twilioRequest(params: Record<string, string>, path = '/webhooks/twilio'): SignedRequest {
  const signature = getExpectedTwilioSignature(TEST_WEBHOOKS.twilio.authToken, `${TEST_WEBHOOKS.twilio.publicUrl}${path}`, params);
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  };
}

export function metaSignature(rawBody: string, secret: string = TEST_WEBHOOKS.meta.appSecret): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function metaRequest(payload: unknown): SignedRequest {
  const body = JSON.stringify(payload);
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) } };
}

export function telegramRequest(update: unknown): SignedRequest {
  return {
    body: JSON.stringify(update),
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TEST_WEBHOOKS.telegram.webhookSecret },
  };
}

/** Sends a provider's request to the gateway as it is: the exact body bytes and headers. */
export async function send(baseUrl: string, path: string, request: SignedRequest, method = 'POST') {
  const response = await fetch(`${baseUrl}${path}`, { method, headers: request.headers, body: method === 'GET' ? undefined : request.body });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

/** The request as the gateway hands it to a connector. */
export function toWebhookRequest(path: string, request: SignedRequest): WebhookRequest {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', url: path, headers, rawBody: Buffer.from(request.body) };
}

/** The test gateway's connector for a route. */
export function connectorFor(harness: Harness, path: string): WebhookConnector {
  const connector = harness.webhooks.enabled.find((candidate) => candidate.routes.some((route) => route.path === path));
  if (!connector) throw new Error(`the test gateway has no connector for ${path}`);
  return connector;
}

/** The ids of the envelopes the gateway will publish for `request`: a provider's connector is pure, so ask it. */
export function envelopeIdsOf(harness: Harness, path: string, request: SignedRequest): string[] {
  const result = connectorFor(harness, path).handle(toWebhookRequest(path, request), new Date());
  if (result instanceof Promise) throw new Error(`the connector of ${path} answers asynchronously: its spec names the ids`);
  return result.envelopes.map((envelope) => envelope.id);
}
