import { createHmac } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { WebhooksConfig } from '../../config/index.js';

/** The secrets the test gateway is configured with, and how each provider would sign a request with them. */
export const TEST_WEBHOOKS = {
  publicUrl: 'https://hooks.tributary.test',
  twilio: { authToken: 'twilio-test-auth-token' },
  meta: { appSecret: 'meta-test-app-secret', verifyToken: 'meta-test-verify-token' },
  telegram: { botToken: '7000000001:test-bot-token', botId: '7000000001', mode: 'webhook', webhookSecret: 'telegram-test-secret',
    apiRoot: 'https://api.telegram.org', pollTimeoutS: 0 },
} as const satisfies WebhooksConfig;

/** A request as the provider sends it: the body bytes and the headers that sign them. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Twilio's form body and its `X-Twilio-Signature` over the public URL Twilio called. */
export function twilioRequest(params: Record<string, string>, path = '/webhooks/twilio'): SignedRequest {
  const signature = getExpectedTwilioSignature(TEST_WEBHOOKS.twilio.authToken, `${TEST_WEBHOOKS.publicUrl}${path}`, params);
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
