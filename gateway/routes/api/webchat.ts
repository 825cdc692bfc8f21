import { Router } from 'express';
import { newWebchatSiteSchema, webchatSiteSchema } from '../../../contacts/schema.js';
import { parseWith, PayloadError } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, MANAGERS } from '../../auth.js';
import { actorOf } from './common.js';

/** Web-chat sites: where the widget may be embedded, what its pre-chat form asks. Owners and managers. */
export function webchatRoutes({ contacts }: AppDeps): Router {
  const router = Router();
  const managers = allow(MANAGERS);

  router.get('/api/webchat/sites', managers, async (_req, res) => {
    res.json({ sites: await contacts.webchat.sites.list() });
  });

  router.post('/api/webchat/sites', managers, async (req, res) => {
    const { id, ...site } = parseWith(newWebchatSiteSchema, req.body);
    const created = await contacts.webchat.sites.create(actorOf(req), id, site);
    res.status(201).location(`/api/webchat/sites/${created.id}`).json(created);
  });

  router.get('/api/webchat/sites/:site', managers, async (req, res) => {
    res.json(await contacts.webchat.sites.get(siteParam(req.params.site)));
  });

  router.put('/api/webchat/sites/:site', managers, async (req, res) => {
    res.json(await contacts.webchat.sites.update(actorOf(req), siteParam(req.params.site), parseWith(webchatSiteSchema, req.body)));
  });

  router.delete('/api/webchat/sites/:site', managers, async (req, res) => {
    await contacts.webchat.sites.delete(actorOf(req), siteParam(req.params.site));
    res.status(204).end();
  });

  return router;
}

function siteParam(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) throw new PayloadError('site: not a site id', 'site');
  return value;
}
