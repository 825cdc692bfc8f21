import { Router } from 'express';
import { lockLiveContact } from '../../contacts/profiles.js';
import { bulkTagsSchema, fieldDefinitionSchema, noteSchema, tagsSchema, viewSchema } from '../../contacts/schema.js';
import { deleteFieldDefinition, listFieldDefinitions, upsertFieldDefinition } from '../../../db/repositories/fields.js';
import { addNote, listNotes } from '../../../db/repositories/notes.js';
import { listTags, tagContacts, untagContacts } from '../../../db/repositories/tags.js';
import { createView, deleteView, findVisibleView, listVisibleViews } from '../../../db/repositories/views.js';
import { findContactRow } from '../../../db/repositories/contact-profiles.js';
import type { AppDeps } from '../../app.js';
import { EVERYONE, MANAGERS, requireApiKey } from '../../auth.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { parseBody } from '../../validation.js';
import { actorOf, idParam } from './common.js';

/** What people add to contacts: tags, notes, custom field definitions, saved views. */
export function annotationRoutes(deps: AppDeps): Router {
  const router = Router();
  const anyone = requireApiKey(deps.authenticate, EVERYONE);
  const managers = requireApiKey(deps.authenticate, MANAGERS);

  router.get('/api/tags', anyone, async (_req, res) => {
    res.json({ tags: await listTags(deps.db) });
  });

  router.post('/api/contacts/tags', anyone, async (req, res) => {
    const { contactIds, add, remove } = parseBody(bulkTagsSchema, req.body);
    const counts = await deps.runChange(actorOf(req), async (ctx) => {
      const added = await tagContacts(ctx.trx, contactIds, add, ctx.now);
      const removed = await untagContacts(ctx.trx, contactIds, remove, ctx.now);
      ctx.audit({ action: 'contacts.tagged', targetType: 'contacts', targetId: null, after: { contactIds, add, remove } });
      return { added, removed };
    });
    res.json(counts);
  });

  router.post('/api/contacts/:id/tags', anyone, async (req, res) => {
    const { tags } = parseBody(tagsSchema, req.body);
    const id = idParam(req);
    await deps.runChange(actorOf(req), async (ctx) => {
      await lockLiveContact(ctx.trx, id);
      await tagContacts(ctx.trx, [id], tags, ctx.now);
      ctx.audit({ action: 'contact.tagged', targetType: 'contact', targetId: id, after: { tags } });
    });
    res.json({ tags: await tagsOf(deps, id) });
  });

  router.delete('/api/contacts/:id/tags/:tag', anyone, async (req, res) => {
    const id = idParam(req);
    const tag = String(req.params.tag);
    await deps.runChange(actorOf(req), async (ctx) => {
      await lockLiveContact(ctx.trx, id);
      await untagContacts(ctx.trx, [id], [tag], ctx.now);
      ctx.audit({ action: 'contact.untagged', targetType: 'contact', targetId: id, before: { tags: [tag] } });
    });
    res.json({ tags: await tagsOf(deps, id) });
  });

  router.get('/api/contacts/:id/notes', anyone, async (req, res) => {
    res.json({ notes: await listNotes(deps.db, idParam(req)) });
  });

  router.post('/api/contacts/:id/notes', anyone, async (req, res) => {
    const { body } = parseBody(noteSchema, req.body);
    const id = idParam(req);
    const note = await deps.runChange(actorOf(req), async (ctx) => {
      await lockLiveContact(ctx.trx, id);
      const added = await addNote(ctx.trx, { contactId: id, body, authorKeyId: ctx.actor.keyId, authorName: ctx.actor.name, at: ctx.now });
      ctx.audit({ action: 'contact.note_added', targetType: 'contact', targetId: id, after: { noteId: added.id } });
      return added;
    });
    res.status(201).json(note);
  });

  router.get('/api/fields', anyone, async (_req, res) => {
    res.json({ fields: await listFieldDefinitions(deps.db) });
  });

  router.post('/api/fields', managers, async (req, res) => {
    const field = parseBody(fieldDefinitionSchema, req.body);
    await deps.runChange(actorOf(req), async (ctx) => {
      if (!(await upsertFieldDefinition(ctx.trx, field))) {
        throw new ConflictError(`the field ${field.key} exists with another type; delete it first`);
      }
      ctx.audit({ action: 'field.defined', targetType: 'field', targetId: field.key, after: field });
    });
    res.status(201).json(field);
  });

  router.delete('/api/fields/:key', managers, async (req, res) => {
    const key = String(req.params.key);
    await deps.runChange(actorOf(req), async (ctx) => {
      if (!(await deleteFieldDefinition(ctx.trx, key))) throw new NotFoundError(`no custom field ${key}`);
      ctx.audit({ action: 'field.deleted', targetType: 'field', targetId: key });
    });
    res.status(204).end();
  });

  router.get('/api/views', anyone, async (req, res) => {
    res.json({ views: await listVisibleViews(deps.db, actorOf(req).keyId) });
  });

  router.post('/api/views', anyone, async (req, res) => {
    const input = parseBody(viewSchema, req.body);
    const view = await deps.runChange(actorOf(req), async (ctx) => {
      const created = await createView(ctx.trx, { ...input, ownerKeyId: ctx.actor.keyId }, ctx.now);
      ctx.audit({ action: 'view.created', targetType: 'view', targetId: created.id, after: created });
      return created;
    });
    res.status(201).json(view);
  });

  router.delete('/api/views/:id', anyone, async (req, res) => {
    const id = idParam(req);
    const actor = actorOf(req);
    await deps.runChange(actor, async (ctx) => {
      const view = await findVisibleView(ctx.trx, id, actor.keyId);
      if (!view) throw new NotFoundError(`view ${id} does not exist`);
      if (view.ownerKeyId !== actor.keyId && req.apiKey?.role !== 'owner') {
        throw new ForbiddenError('only the view\'s creator or an owner may delete it');
      }
      await deleteView(ctx.trx, id);
      ctx.audit({ action: 'view.deleted', targetType: 'view', targetId: id, before: view });
    });
    res.status(204).end();
  });

  return router;
}

async function tagsOf(deps: AppDeps, id: string): Promise<string[]> {
  return (await findContactRow(deps.db, id))?.tags ?? [];
}
