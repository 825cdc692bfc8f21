import { createHmac } from 'node:crypto';
import { envelopeId } from '../../connectors/envelope.js';
import type { SignedRequest } from './webhooks.js';

/** A browser's side of web chat, without a browser: the cookie jar of one visitor of one site. */
export class Visitor {
  cookie = '';
  constructor(private readonly baseUrl: string, readonly site = 'default', private readonly origin?: string) {}

  async call(method: string, path: string, body?: object, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.baseUrl}${path}${path.includes('?') ? '&' : '?'}site=${this.site}`, {
      method, headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.origin ? { origin: this.origin } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify({ site: this.site, ...body }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    return { status: response.status, headers: response.headers, setCookie, body: text ? JSON.parse(text) : undefined };
  }

  session(body: object = {}) {
    return this.call('POST', '/webchat/session', body);
  }

  send(text: string, clientMessageId = `m-${Math.random().toString(36).slice(2)}`) {
    return this.call('POST', '/webchat/messages', { clientMessageId, text });
  }

  /** The visitor id inside the token: readable (it is signed, not encrypted), and never the contact id. */
  get visitorId(): string {
    const payload = this.cookie.split('=')[1]?.split('.')[2];
    return (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { v: string }).v;
  }

  /** The envelope id a message of this visitor gets. */
  envelopeIdOf(clientMessageId: string): string {
    return envelopeId('webchat', this.site, `${this.visitorId}:${clientMessageId}`);
  }

  /** A message as the gateway receives it, for the contract suite. */
  request(n: number, cookie = this.cookie): SignedRequest {
    return { body: JSON.stringify({ site: this.site, clientMessageId: `contract-${n}`, text: `hello ${n}` }),
      headers: { 'content-type': 'application/json', cookie } };
  }
}

/** The cookie with one character of its signature changed. */
export function tampered(cookie: string): string {
  const last = cookie.at(-1)!;
  return `${cookie.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}

/** What a site's server puts beside a logged-in user's identifier. */
export function identifierHash(identifier: string, siteSecret: string): string {
  return createHmac('sha256', siteSecret).update(identifier).digest('hex');
}
