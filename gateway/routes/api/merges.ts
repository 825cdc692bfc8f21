import { Router } from 'express';
import { mergeSchema } from '../../../contacts/schema.js';
import { calendarTime } from '../../../contacts/filters.js';
import { parseWith } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, EVERYONE, MANAGERS } from '../../auth.js';
import { actorOf, idParam, parseLimit, queryText } from './common.js';

/** Merges, their history and undo; merge suggestions and their dismissal. */
export function mergesRoutes({ contacts }: AppDeps): Router {
  const router = Router();
  const anyone = allow(EVERYONE);
  const managers = allow(MANAGERS);

  router.post('/api/merges/preview', managers, async (req, res) => {
    res.json(await contacts.merges.preview(parseWith(mergeSchema, req.body)));
  });

  router.post('/api/merges', managers, async (req, res) => {
    res.status(201).json(await contacts.merges.merge(actorOf(req), parseWith(mergeSchema, req.body)));
  });

  router.get('/api/merges', managers, async (req, res) => {
    const text = queryText(req, 'before');
    const before = text === undefined ? undefined : new Date(parseWith(calendarTime, text, ['before']));
    res.json({ merges: await contacts.merges.history({ before, limit: parseLimit(req.query.limit) }) });
  });

  router.post('/api/merges/:id/undo', managers, async (req, res) => {
    res.json(await contacts.merges.undo(actorOf(req), idParam(req)));
  });

  router.get('/api/duplicates', anyone, async (req, res) => {
    res.json({ duplicates: await contacts.suggestions.list({ limit: parseLimit(req.query.limit, 100, 1000) }) });
  });

  router.post('/api/duplicates/:id/dismiss', managers, async (req, res) => {
    await contacts.suggestions.dismiss(actorOf(req), idParam(req));
    res.status(204).end();
  });

  return router;
}
