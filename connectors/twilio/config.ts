import type { WebhookRoute } from '../types.js';
/** What the Twilio connector needs: the account's auth token and the public base URL Twilio calls. */
export interface TwilioSettings {
  authToken: string;
  publicUrl: string;
}

/** Fixed: providers are configured with these URLs. */
export const TWILIO_ROUTES: readonly WebhookRoute[] = [{ method: 'POST', path: '/webhooks/twilio' }];
