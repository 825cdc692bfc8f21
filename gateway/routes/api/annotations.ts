import { Router } from 'express';
import { bulkTagsSchema, fieldDefinitionSchema, noteSchema, tagsSchema, viewSchema } from '../../../contacts/schema.js';
import { parseWith } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, EVERYONE, MANAGERS } from '../../auth.js';
import { actorOf, idParam } from './common.js';

/** What people add to contacts: tags, notes, custom field definitions, saved views. */
export function annotationRoutes({ contacts }: AppDeps): Router {
  const router = Router();
  const anyone = allow(EVERYONE);
  const managers = allow(MANAGERS);

  router.get('/api/tags', anyone, async (_req, res) => {
    res.json({ tags: await contacts.tags.list() });
  });

  router.post('/api/contacts/tags', managers, async (req, res) => {
    res.json(await contacts.tags.bulk(actorOf(req), parseWith(bulkTagsSchema, req.body)));
  });

  router.post('/api/contacts/:id/tags', anyone, async (req, res) => {
    const { tags } = parseWith(tagsSchema, req.body);
    res.json({ tags: await contacts.tags.add(actorOf(req), idParam(req), tags) });
  });

  router.delete('/api/contacts/:id/tags/:tag', anyone, async (req, res) => {
    res.json({ tags: await contacts.tags.remove(actorOf(req), idParam(req), String(req.params.tag)) });
  });

  router.get('/api/contacts/:id/notes', anyone, async (req, res) => {
    res.json({ notes: await contacts.notes.list(idParam(req)) });
  });

  router.post('/api/contacts/:id/notes', anyone, async (req, res) => {
    const { body } = parseWith(noteSchema, req.body);
    res.status(201).json(await contacts.notes.add(actorOf(req), idParam(req), body));
  });

  router.get('/api/fields', anyone, async (_req, res) => {
    res.json({ fields: await contacts.fields.list() });
  });

  router.post('/api/fields', managers, async (req, res) => {
    res.status(201).json(await contacts.fields.define(actorOf(req), parseWith(fieldDefinitionSchema, req.body)));
  });

  router.delete('/api/fields/:key', managers, async (req, res) => {
    await contacts.fields.delete(actorOf(req), String(req.params.key));
    res.status(204).end();
  });

  router.get('/api/views', anyone, async (req, res) => {
    res.json({ views: await contacts.views.list(actorOf(req).keyId) });
  });

  router.post('/api/views', anyone, async (req, res) => {
    res.status(201).json(await contacts.views.create(actorOf(req), parseWith(viewSchema, req.body)));
  });

  router.delete('/api/views/:id', anyone, async (req, res) => {
    await contacts.views.delete(actorOf(req), idParam(req), { isOwner: req.apiKey?.role === 'owner' });
    res.status(204).end();
  });

  return router;
}
