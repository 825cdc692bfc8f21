import { Router } from 'express';
import { apiKeySchema } from '../../../contacts/schema.js';
import { parseWith, PayloadError } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, EVERYONE, OWNERS } from '../../auth.js';
import { actorOf, idParam, parseLimit, queryText, queryUuid } from './common.js';

/** Anyone may ask who their key is (the console shows what its role may do); owners manage keys and read the audit log. */
export function keysRoutes({ contacts }: AppDeps): Router {
  const router = Router();
  const owners = allow(OWNERS);

  router.get('/api/me', allow(EVERYONE), (req, res) => {
    res.json({ id: req.apiKey!.id, name: req.apiKey!.name, role: req.apiKey!.role });
  });

  router.post('/api/keys', owners, async (req, res) => {
    res.status(201).json(await contacts.access.create(actorOf(req), parseWith(apiKeySchema, req.body)));
  });

  router.get('/api/keys', owners, async (_req, res) => {
    res.json({ keys: await contacts.access.list() });
  });

  router.delete('/api/keys/:id', owners, async (req, res) => {
    await contacts.access.revoke(actorOf(req), idParam(req));
    res.status(204).end();
  });

  router.get('/api/audit', owners, async (req, res) => {
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    if (before !== undefined && !Number.isSafeInteger(before)) throw new PayloadError('before: must be an entry id', 'before');
    res.json({ entries: await contacts.access.audit({ before, limit: parseLimit(req.query.limit, 100, 1000),
      actorKeyId: queryUuid(req, 'actor'), action: queryText(req, 'action', 100), contactId: queryUuid(req, 'contact') }) });
  });

  return router;
}
