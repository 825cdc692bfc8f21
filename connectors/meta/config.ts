import type { WebhooksConfig } from '../../config/index.js';
import type { WebhookRoute } from '../types.js';

/** What the Meta connector needs: the app secret that signs events and the token of the subscription check. */
export type MetaSettings = NonNullable<WebhooksConfig['meta']>;

/** Fixed: providers are configured with these URLs. */
export const META_ROUTES: readonly WebhookRoute[] = [{ method: 'GET', path: '/webhooks/meta' }, { method: 'POST', path: '/webhooks/meta' }];
