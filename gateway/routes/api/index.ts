import express, { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { annotationRoutes } from './annotations.js';
import { bulkRoutes } from './bulk.js';
import { followMerges } from './common.js';
import { contactsRoutes } from './contacts.js';
import { keysRoutes } from './keys.js';
import { mergesRoutes } from './merges.js';
import { openApiDocument } from '../../openapi.js';

/** The admin API under `/api`: contacts, tags, notes, fields, views, merges, suggestions, keys, audit. */
export function apiRoutes(deps: AppDeps): Router {
  const router = Router();
  const document = openApiDocument();
  router.get('/api/openapi.json', (_req, res) => void res.json(document));
  router.use('/api', express.json({ limit: deps.maxBodyBytes }));
  router.use('/api/contacts/:id', followMerges(deps.contacts));
  router.use(keysRoutes(deps));
  router.use(annotationRoutes(deps));
  router.use(mergesRoutes(deps));
  router.use(bulkRoutes(deps));
  router.use(contactsRoutes(deps));
  return router;
}
