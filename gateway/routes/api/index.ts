import express, { Router } from 'express';
import type { AppDeps } from '../../app.js';
import { createChangeRunner } from '../../contacts/change.js';
import { annotationRoutes } from './annotations.js';
import { followMerges } from './common.js';
import { contactsRoutes } from './contacts.js';
import { keysRoutes } from './keys.js';
import { mergesRoutes } from './merges.js';

/** The admin API under `/api`: contacts, tags, notes, fields, views, merges, suggestions, keys, audit. */
export function apiRoutes(deps: AppDeps): Router {
  const withChanges = { ...deps, runChange: createChangeRunner(deps) };
  const router = Router();
  router.use('/api', express.json({ limit: deps.maxBodyBytes }));
  router.use('/api/contacts/:id', followMerges(deps.db));
  router.use(keysRoutes(withChanges));
  router.use(annotationRoutes(withChanges));
  router.use(mergesRoutes(withChanges));
  router.use(contactsRoutes(withChanges));
  return router;
}
