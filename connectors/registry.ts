import type { WebhooksConfig } from '../config/index.js';
import { createMetaConnector } from './meta/connector.js';
import { META_ROUTES } from './meta/config.js';
import { createTelegramConnector } from './telegram/connector.js';
import { TELEGRAM_ROUTES } from './telegram/config.js';
import { createTwilioConnector } from './twilio/connector.js';
import { TWILIO_ROUTES } from './twilio/config.js';
import type { WebhookConnector, WebhookRoute } from './types.js';
import { WEBCHAT_ROUTES, type PerMinuteLimiter, type WebchatStore } from './webchat/config.js';
import { createWebchatConnector } from './webchat/connector.js';

/** A webhook channel left off because its secret is not configured: its routes answer 404 saying so. */
export interface DisabledWebhook {
  name: string;
  routes: readonly WebhookRoute[];
  /** What to set to enable it. */
  reason: string;
}

export interface WebhookRegistry {
  enabled: WebhookConnector[];
  disabled: DisabledWebhook[];
}

/**
 * Every webhook connector, each enabled exactly when its secrets are configured. There is no other switch. Web
 * chat, which we host, also needs what the gateway hands it: its store (sites, visitors, contact state) and where
 * its rate limits are counted.
 */
export function createWebhookRegistry(config: WebhooksConfig,
  hosted: { webchat?: { store: WebchatStore; perMinute: PerMinuteLimiter } } = {}): WebhookRegistry {
  const registry: WebhookRegistry = { enabled: [], disabled: [] };
  const add = (name: string, routes: readonly WebhookRoute[], reason: string, create: (() => WebhookConnector) | undefined) => {
    if (create) registry.enabled.push(create());
    else registry.disabled.push({ name, routes, reason });
  };
  const { twilio, meta, telegram, webchat } = config;
  add('twilio', TWILIO_ROUTES, 'set TWILIO_AUTH_TOKEN and PUBLIC_URL', twilio ? () => createTwilioConnector(twilio) : undefined);
  add('meta', META_ROUTES,
    'set META_APP_SECRET and META_VERIFY_TOKEN', meta ? () => createMetaConnector(meta) : undefined);
  add('telegram', TELEGRAM_ROUTES,
    telegram?.mode === 'polling' ? 'TELEGRAM_MODE=polling: updates are fetched by the telegram process'
      : 'set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET',
    telegram?.webhookSecret ? () => createTelegramConnector({ botId: telegram.botId, webhookSecret: telegram.webhookSecret! })
      : undefined);
  add('webchat', WEBCHAT_ROUTES, 'set WEBCHAT_SECRET',
    webchat && hosted.webchat ? () => createWebchatConnector(webchat, hosted.webchat!.store, hosted.webchat!.perMinute) : undefined);
  return registry;
}
