import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * The admin console (admin/, built by Vite into admin/dist) at /admin. The gateway only serves the built files:
 * hashed assets for a year, the page itself never cached, and every other /admin path answered with the page so
 * that its router can take it. No second back end: the console calls the documented /api routes.
 */
export function adminRoutes(root = fileURLToPath(new URL('../../admin/dist/', import.meta.url))): Router {
  const router = Router();
  const index = `${root}index.html`;
  const headers = (res: express.Response) => res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  router.use('/admin/assets', express.static(`${root}assets`, { immutable: true, maxAge: '365d', index: false }), (req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no console asset ${req.path}` } });
  });
  const page = (_req: express.Request, res: express.Response) => {
    headers(res).set('Cache-Control', 'no-cache').sendFile(index, (error) => {
      if (!error || res.headersSent) return;
      res.removeHeader('Content-Security-Policy');
      res.status(503).json({ error: { code: 'console_not_built', message: 'the admin console is not built: run npm run build (npm start does it)' } });
    });
  };
  router.get('/admin', page);
  router.get('/admin/{*path}', page);
  return router;
}
