import { sameSecret } from '../secret.js';

/** Telegram proves a webhook call by echoing the `secret_token` given to `setWebhook` in this header. */
export function isFromTelegram(secretHeader: string | undefined, webhookSecret: string): boolean {
  return sameSecret(secretHeader, webhookSecret);
}
