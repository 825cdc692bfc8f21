import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { WebchatConfig } from '../../config/index.js';
import type { IdentityKey } from '../../identity/keys.js';
import type { WebhookRoute } from '../types.js';

/** What the web-chat connector needs from configuration: its token keys and its limits. */
export type WebchatSettings = WebchatConfig;

/**
 * A limit of `points` a minute per key, named: the process that runs the connector decides where the counts
 * live (in a cluster, with the primary, so every worker counts against the same limit).
 */
export type PerMinuteLimiter = (name: string, points: number) => RateLimiterAbstract;

export const PRECHAT_FIELDS = ['name', 'email', 'phone'] as const;
export type PrechatField = (typeof PRECHAT_FIELDS)[number];

/** A site that embeds the widget, as the admin API configures it. */
export interface WebchatSite {
  id: string;
  name: string;
  allowedOrigins: string[];
  prechatFields: PrechatField[];
  greeting: string | null;
  /** The key the site's server signs a logged-in user's identifier with. */
  identitySecret: string;
}

/** What a visitor told us through the pre-chat form and their browser; it rides on every message as the profile. */
export interface VisitorProfile {
  name?: string;
  email?: string;
  phone?: string;
  language?: string;
  timezone?: string;
  country?: string;
}

export interface WebchatVisitor {
  id: string;
  siteId: string;
  /** The site's id for a logged-in user, when the site vouched for it. */
  identifier: string | null;
  profile: VisitorProfile;
}

/**
 * What the connector keeps and asks about, handed to it by the gateway (connectors never import `db/` or the
 * contacts module): sites, visitors, and the state of the contact a visitor's messages resolve to.
 */
export interface WebchatStore {
  site(id: string): Promise<WebchatSite | undefined>;
  visitor(id: string): Promise<WebchatVisitor | undefined>;
  saveVisitor(visitor: WebchatVisitor, at: Date): Promise<void>;
  /** Whether the contact holding this identity is blocked (false when there is no such contact yet). */
  isBlocked(identity: Omit<IdentityKey, 'matchable'>): Promise<boolean>;
  /** Unsubscribes that contact from marketing email, the visitor as the actor; `no_contact` before its first message. */
  unsubscribe(identity: Omit<IdentityKey, 'matchable'>, visitorId: string): Promise<'unsubscribed' | 'no_contact'>;
}

/** Fixed: the widget, the demo page and the sites that embed them depend on these. */
export const WEBCHAT_ROUTES: readonly WebhookRoute[] = [
  { method: 'GET', path: '/webchat/widget.js' },
  { method: 'GET', path: '/webchat/demo' },
  { method: 'GET', path: '/webchat/config' },
  { method: 'POST', path: '/webchat/session' },
  { method: 'POST', path: '/webchat/messages' },
  { method: 'POST', path: '/webchat/unsubscribe' },
  { method: 'OPTIONS', path: '/webchat/config' },
  { method: 'OPTIONS', path: '/webchat/session' },
  { method: 'OPTIONS', path: '/webchat/messages' },
  { method: 'OPTIONS', path: '/webchat/unsubscribe' },
];
