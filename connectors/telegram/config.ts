import type { WebhookRoute } from '../types.js';

export type { TelegramConfig as TelegramSettings } from '../../config/index.js';

/** Fixed: providers are configured with these URLs. */
export const TELEGRAM_ROUTES: readonly WebhookRoute[] = [{ method: 'POST', path: '/webhooks/telegram' }];
