import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { assertStorable, storableDeep } from '../../../identity/text.js';
import type { AppDeps } from '../../app.js';
import { requireApiKey } from '../../auth.js';
import { annotationRoutes } from './annotations.js';
import { bulkRoutes } from './bulk.js';
import { channelsRoutes } from './channels.js';
import { followMerges } from './common.js';
import { contactsRoutes } from './contacts.js';
import { eventsRoutes } from './events.js';
import { keysRoutes } from './keys.js';
import { mergesRoutes } from './merges.js';
import { webchatRoutes } from './webchat.js';
import { openApiDocument } from '../../openapi.js';

/** The admin API under `/api`: contacts, tags, notes, fields, views, merges, suggestions, keys, audit, live events. */
export function apiRoutes(deps: AppDeps): Router {
  const router = Router();
  const document = openApiDocument();
  router.get('/api/openapi.json', (_req, res) => void res.json(document));
  // The key is checked before anything else, before a body is read and before a merged id is redirected.
  router.use('/api', requireApiKey(deps.authenticate));
  router.use('/api', express.json({ limit: deps.maxBodyBytes }));
  router.use('/api', refuseNul);
  router.use('/api/contacts/:id', followMerges(deps.contacts));
  router.use(keysRoutes(deps));
  router.use(annotationRoutes(deps));
  router.use(mergesRoutes(deps));
  router.use(bulkRoutes(deps));
  router.use(webchatRoutes(deps));
  router.use(channelsRoutes(deps));
  router.use(eventsRoutes(deps));
  router.use(contactsRoutes(deps));
  return router;
}

/**
 * A NUL in any JSON value or query parameter is a 400 naming it: PostgreSQL could not store it. A lone UTF-16
 * surrogate becomes U+FFFD, as PostgreSQL's text columns would make it anyway, so the same value also fits
 * where it is kept as JSON (the audit log, views), whose escapes for it PostgreSQL refuses.
 */
function refuseNul(req: Request, _res: Response, next: NextFunction): void {
  assertStorable(req.query);
  if (req.is('json')) {
    assertStorable(req.body);
    req.body = storableDeep(req.body);
  }
  next();
}
