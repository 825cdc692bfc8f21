import type { WebhooksConfig } from '../../config/index.js';
import type { WebhookRoute } from '../types.js';

/** What the Twilio connector needs: the account's auth token and the public base URL Twilio calls. */
export type TwilioSettings = NonNullable<WebhooksConfig['twilio']>;

/** Fixed: providers are configured with these URLs. */
export const TWILIO_ROUTES: readonly WebhookRoute[] = [{ method: 'POST', path: '/webhooks/twilio' }];
