import { Router } from 'express';
import { apiKeySchema } from '../../contacts/schema.js';
import { listAuditEntries } from '../../../db/repositories/audit.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../../db/repositories/api-keys.js';
import type { AppDeps } from '../../app.js';
import { OWNERS, requireApiKey } from '../../auth.js';
import { PayloadError } from '../../errors.js';
import { parseBody } from '../../validation.js';
import { actorOf, idParam, parseLimit } from './common.js';

/** Owners manage API keys and read the audit log. */
export function keysRoutes(deps: AppDeps): Router {
  const router = Router();
  const owners = requireApiKey(deps.authenticate, OWNERS);

  router.post('/api/keys', owners, async (req, res) => {
    const input = parseBody(apiKeySchema, req.body);
    const created = await deps.runChange(actorOf(req), async (ctx) => {
      const key = await createApiKey(ctx.trx, { ...input, createdBy: ctx.actor.keyId });
      ctx.audit({ action: 'api_key.created', targetType: 'api_key', targetId: key.id, after: { name: key.name, role: key.role } });
      return key;
    });
    // The only time the key itself is shown: it is stored hashed.
    res.status(201).json(created);
  });

  router.get('/api/keys', owners, async (_req, res) => {
    res.json({ keys: await listApiKeys(deps.db) });
  });

  router.delete('/api/keys/:id', owners, async (req, res) => {
    const id = idParam(req);
    await deps.runChange(actorOf(req), async (ctx) => {
      await revokeApiKey(ctx.trx, id, ctx.now);
      ctx.audit({ action: 'api_key.revoked', targetType: 'api_key', targetId: id });
    });
    res.status(204).end();
  });

  router.get('/api/audit', owners, async (req, res) => {
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    if (before !== undefined && !Number.isSafeInteger(before)) throw new PayloadError('before: must be an entry id', 'before');
    res.json({ entries: await listAuditEntries(deps.db, { before, limit: parseLimit(req.query.limit, 100, 1000) }) });
  });

  return router;
}
