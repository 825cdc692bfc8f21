import { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { allow, EVERYONE } from '../../auth.js';

const HEARTBEAT_MS = 20_000;

/**
 * `GET /api/events`: contact events (new contacts, duplicate suggestions, blocks, merges, deletions) as
 * server-sent events while the request stays open, fed by the contact-events topic. The first event, `ready`,
 * says the stream is live; a comment every 20 s keeps proxies from closing an idle stream.
 */
export function eventsRoutes({ liveEvents, logger }: AppDeps): Router {
  const router = Router();

  router.get('/api/events', allow(EVERYONE), async (req, res) => {
    if (!liveEvents) {
      return void res.status(503).json({ error: { code: 'unavailable', message: 'live events are not enabled on this gateway' } });
    }
    let unsubscribe: () => void;
    try {
      unsubscribe = await liveEvents.subscribe(({ type, json }) => {
        // Event types and JSON never hold a newline unescaped: one `data:` line each.
        res.write(`event: ${type}\ndata: ${json}\n\n`);
      }, () => res.end());
    } catch (error) {
      logger.warn({ err: error }, 'live events unavailable');
      return void res.status(503).json({ error: { code: 'unavailable', message: 'the contact-events topic cannot be read right now; retry later' } });
    }
    if (req.socket.destroyed || res.writableEnded) return unsubscribe();
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 5000\nevent: ready\ndata: {}\n\n');
    const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  return router;
}
