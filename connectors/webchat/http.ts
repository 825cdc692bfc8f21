import type { WebhookRequest } from '../types.js';
import type { WebchatSite } from './config.js';

/** The cookie that holds a site's visitor token: one per site, so one browser is a different visitor to each. */
export function cookieName(site: string): string {
  return `trb_${site.replace(/-/g, '_')}`;
}

export function readCookie(header: string | undefined, site: string): string | undefined {
  const name = cookieName(site);
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * `HttpOnly` (no script on the page can read the token); over HTTPS `SameSite=None; Secure; Partitioned`, because
 * the widget runs on the customer's site and calls us cross-site (`Partitioned` keeps it working where browsers
 * block third-party cookies: the cookie is kept per embedding site). On plain HTTP (a developer's
 * `http://127.0.0.1`) `SameSite=Lax`, which browsers accept without `Secure`.
 */
export function visitorCookie(site: string, token: string, maxAgeSeconds: number, https: boolean): string {
  const base = `${cookieName(site)}=${token}; Path=/webchat; Max-Age=${maxAgeSeconds}; HttpOnly`;
  return https ? `${base}; SameSite=None; Secure; Partitioned` : `${base}; SameSite=Lax`;
}

/**
 * Whether a browser on `Origin` may use this site's chat: the gateway's own origin (the demo page) and the
 * site's configured origins may. Undefined when the request names no origin (not a cross-site browser call:
 * nothing to grant); false when the origin is not allowed: the call is refused before anything is done.
 */
export function allowedOrigin(request: WebhookRequest, site: WebchatSite): string | false | undefined {
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  const own = request.headers.host ? `${request.protocol ?? 'http'}://${request.headers.host}` : undefined;
  return origin === own || site.allowedOrigins.includes(origin) ? origin : false;
}

export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}
