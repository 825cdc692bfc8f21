import { Router } from 'express';
import { setBlocked } from '../../contacts/block.js';
import { contactDetail } from '../../contacts/detail.js';
import { createContact, lockLiveContact, updateContact } from '../../contacts/profiles.js';
import { contactFieldsSchema, createContactSchema, searchSchema } from '../../contacts/schema.js';
import { searchContacts, shorthandConditions } from '../../contacts/search.js';
import { listOpenSuggestions } from '../../../db/repositories/suggestions.js';
import { query } from '../../../db/sql.js';
import type { AppDeps } from '../../app.js';
import { EVERYONE, MANAGERS, requireApiKey } from '../../auth.js';
import { NotFoundError } from '../../errors.js';
import { parseBody } from '../../validation.js';
import { actorOf, idParam, parseLimit } from './common.js';

export function contactsRoutes(deps: AppDeps): Router {
  const router = Router();
  const anyone = requireApiKey(deps.authenticate, EVERYONE);
  const managers = requireApiKey(deps.authenticate, MANAGERS);

  router.get('/api/contacts', anyone, async (req, res) => {
    const page = await searchContacts(deps.db, {
      filter: { conditions: [], match: 'all' }, also: shorthandConditions(req.query),
      q: typeof req.query.q === 'string' ? req.query.q : undefined,
      viewId: typeof req.query.view === 'string' ? req.query.view : undefined,
      sort: typeof req.query.sort === 'string' ? req.query.sort : undefined, cursor: typeof req.query.cursor === 'string' ? req.query.cursor : undefined,
      limit: parseLimit(req.query.limit),
    }, actorOf(req).keyId, deps.clock());
    res.json(page);
  });

  router.post('/api/contacts/search', anyone, async (req, res) => {
    const body = parseBody(searchSchema, req.body ?? {});
    const page = await searchContacts(deps.db, { filter: body, q: body.q, viewId: body.view, sort: body.sort,
      cursor: body.cursor, limit: body.limit ?? 50 }, actorOf(req).keyId, deps.clock());
    res.json(page);
  });

  router.post('/api/contacts', anyone, async (req, res) => {
    const input = parseBody(createContactSchema, req.body);
    const contact = await deps.runChange(actorOf(req), (ctx) => createContact(ctx, input));
    res.status(201).location(`/api/contacts/${contact.id}`).json(contact);
  });

  router.get('/api/contacts/:id', anyone, async (req, res) => {
    const lookup = await contactDetail(deps.db, idParam(req));
    if (lookup.kind === 'missing') throw new NotFoundError(`contact ${req.params.id} does not exist`);
    if (lookup.kind === 'merged') return res.redirect(308, `/api/contacts/${lookup.into}`);
    res.json(lookup.contact);
  });

  router.patch('/api/contacts/:id', anyone, async (req, res) => {
    const patch = parseBody(contactFieldsSchema, req.body);
    res.json(await deps.runChange(actorOf(req), (ctx) => updateContact(ctx, idParam(req), patch)));
  });

  router.post('/api/contacts/:id/block', managers, async (req, res) => {
    res.json(await deps.runChange(actorOf(req), (ctx) => setBlocked(ctx, idParam(req), true)));
  });

  router.post('/api/contacts/:id/unblock', managers, async (req, res) => {
    res.json(await deps.runChange(actorOf(req), (ctx) => setBlocked(ctx, idParam(req), false)));
  });

  router.delete('/api/contacts/:id/identities/:identityId', managers, async (req, res) => {
    const contactId = idParam(req);
    const identityId = idParam(req, 'identityId');
    await deps.runChange(actorOf(req), async (ctx) => {
      await lockLiveContact(ctx.trx, contactId);
      const [removed] = await query<{ kind: string; value: string }>(ctx.trx,
        'DELETE FROM contact_identities WHERE id = ? AND contact_id = ? RETURNING kind, scope, value', [identityId, contactId]);
      if (!removed) throw new NotFoundError(`contact ${contactId} has no identity ${identityId}`);
      ctx.audit({ action: 'contact.identity_removed', targetType: 'contact', targetId: contactId, before: removed });
    });
    res.status(204).end();
  });

  router.get('/api/contacts/:id/duplicates', anyone, async (req, res) => {
    const contactId = idParam(req);
    res.json({ duplicates: await listOpenSuggestions(deps.db, { contactId, limit: parseLimit(req.query.limit, 100, 1000) }) });
  });

  return router;
}
