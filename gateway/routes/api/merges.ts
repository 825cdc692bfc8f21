import { Router } from 'express';
import { performMerge, previewMerge, undoMerge } from '../../contacts/merge.js';
import { mergeSchema } from '../../contacts/schema.js';
import { listMerges } from '../../../db/repositories/merges.js';
import { dismissSuggestion, listOpenSuggestions } from '../../../db/repositories/suggestions.js';
import type { AppDeps } from '../../app.js';
import { EVERYONE, MANAGERS, requireApiKey } from '../../auth.js';
import { NotFoundError, PayloadError } from '../../errors.js';
import { parseBody } from '../../validation.js';
import { actorOf, idParam, parseLimit } from './common.js';

/** Merges, their history and undo; merge suggestions and their dismissal. */
export function mergesRoutes(deps: AppDeps): Router {
  const router = Router();
  const anyone = requireApiKey(deps.authenticate, EVERYONE);
  const managers = requireApiKey(deps.authenticate, MANAGERS);

  router.post('/api/merges/preview', managers, async (req, res) => {
    res.json(await previewMerge(deps.db, parseBody(mergeSchema, req.body)));
  });

  router.post('/api/merges', managers, async (req, res) => {
    const request = parseBody(mergeSchema, req.body);
    const merge = await deps.runChange(actorOf(req), (ctx) => performMerge(ctx, request));
    res.status(201).json(merge);
  });

  router.get('/api/merges', managers, async (req, res) => {
    const before = typeof req.query.before === 'string' ? new Date(req.query.before) : undefined;
    if (before && Number.isNaN(before.getTime())) throw new PayloadError('before: must be a time', 'before');
    res.json({ merges: await listMerges(deps.db, { before, limit: parseLimit(req.query.limit) }) });
  });

  router.post('/api/merges/:id/undo', managers, async (req, res) => {
    res.json(await deps.runChange(actorOf(req), (ctx) => undoMerge(ctx, idParam(req))));
  });

  router.get('/api/duplicates', anyone, async (req, res) => {
    res.json({ duplicates: await listOpenSuggestions(deps.db, { limit: parseLimit(req.query.limit, 100, 1000) }) });
  });

  router.post('/api/duplicates/:id/dismiss', managers, async (req, res) => {
    const id = idParam(req);
    await deps.runChange(actorOf(req), async (ctx) => {
      const pair = await dismissSuggestion(ctx.trx, id, ctx.actor.keyId, ctx.now);
      if (!pair) throw new NotFoundError(`suggestion ${id} does not exist`);
      ctx.audit({ action: 'duplicate.dismissed', targetType: 'suggestion', targetId: id, after: pair });
    });
    res.status(204).end();
  });

  return router;
}
