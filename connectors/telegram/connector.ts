import { VerificationError } from '../errors.js';
import { parseWith } from '../../identity/parse.js';
import { parseJson } from '../parse.js';
import type { WebhookConnector } from '../types.js';
import { TELEGRAM_ROUTES } from './config.js';
import { normaliseTelegram } from './normalise.js';
import { telegramUpdateSchema } from './schema.js';
import { isFromTelegram } from './verify.js';

/** `POST /webhooks/telegram`: updates for one bot, registered with `setWebhook(secret_token=…)`. */
export function createTelegramConnector(settings: { botId: string; webhookSecret: string }): WebhookConnector {
  return {
    name: 'telegram',
    routes: TELEGRAM_ROUTES,
    handle(request, receivedAt) {
      if (!isFromTelegram(request.headers['x-telegram-bot-api-secret-token'], settings.webhookSecret)) {
        throw new VerificationError('X-Telegram-Bot-Api-Secret-Token does not match TELEGRAM_WEBHOOK_SECRET');
      }
      const update = parseWith(telegramUpdateSchema, parseJson(request.rawBody));
      return { ...normaliseTelegram(update, settings.botId, receivedAt), status: 200, contentType: 'application/json',
        body: '{"ok":true}' };
    },
  };
}
