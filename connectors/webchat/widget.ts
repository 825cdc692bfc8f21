import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { WebhookRequest, WebhookResult } from '../types.js';

/** The widget as sites embed it, and the demo page: read once at start, the widget also kept gzipped. */
export function widgetAssets() {
  const script = readFileSync(new URL('./widget/widget.js', import.meta.url));
  const version = createHash('sha256').update(script).digest('hex').slice(0, 12);
  const gzipped = gzipSync(script, { level: 9 });
  const demo = readFileSync(new URL('./widget/demo.html', import.meta.url), 'utf8').replaceAll('{{version}}', version);
  const page = (body: string | Buffer, contentType: string, headers: Record<string, string>): WebhookResult =>
    ({ status: 200, contentType, body, headers, envelopes: [], skipped: [] });
  return {
    version,
    /**
     * `/webchat/widget.js?v=<version>` is cached for a year (the version is its content hash); the plain URL, which
     * a snippet may use, for five minutes, so a site picks up a new widget the same day.
     */
    widget(request: WebhookRequest): WebhookResult {
      const versioned = new URL(request.url, 'http://gateway.invalid').searchParams.get('v') === version;
      const headers: Record<string, string> = {
        'Cache-Control': versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        ETag: `"${version}"`, Vary: 'Accept-Encoding', 'Cross-Origin-Resource-Policy': 'cross-origin',
      };
      if (request.headers['if-none-match'] === `"${version}"`) return { ...page('', 'application/javascript', headers), status: 304 };
      const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      return page(gzip ? gzipped : script, 'application/javascript; charset=utf-8', gzip ? { ...headers, 'Content-Encoding': 'gzip' } : headers);
    },
    /** The demo page, embedding the widget for `?site=` (default: the `default` site). */
    demo(request: WebhookRequest): WebhookResult {
      const site = new URL(request.url, 'http://gateway.invalid').searchParams.get('site') ?? 'default';
      const body = demo.replaceAll('{{site}}', /^[a-z0-9][a-z0-9-]{0,63}$/.test(site) ? site : 'default');
      return page(body, 'text/html; charset=utf-8', { 'Cache-Control': 'no-cache',
        'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:" });
    },
  };
}
