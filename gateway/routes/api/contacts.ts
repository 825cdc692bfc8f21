import { Router } from 'express';
import { contactFieldsSchema, createContactSchema, MAX_QUERY_LENGTH, searchSchema } from '../../../contacts/schema.js';
import { shorthandConditions } from '../../../contacts/search.js';
import { NotFoundError } from '../../../contacts/errors.js';
import { parseWith } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, EVERYONE, MANAGERS } from '../../auth.js';
import { actorOf, idParam, parseLimit, queryText, queryUuid } from './common.js';

/** One contact's record, and the contact list and search. */
export function contactsRoutes({ contacts }: AppDeps): Router {
  const router = Router();
  const anyone = allow(EVERYONE);
  const managers = allow(MANAGERS);

  router.get('/api/contacts', anyone, async (req, res) => {
    res.json(await contacts.search.page({
      filter: { conditions: [], match: 'all' }, also: shorthandConditions(req.query), q: queryText(req, 'q', MAX_QUERY_LENGTH),
      viewId: queryUuid(req, 'view'), sort: queryText(req, 'sort'), cursor: queryText(req, 'cursor'), limit: parseLimit(req.query.limit),
    }, actorOf(req).keyId));
  });

  router.post('/api/contacts/search', anyone, async (req, res) => {
    const body = parseWith(searchSchema, req.body ?? {});
    res.json(await contacts.search.page({ filter: body, q: body.q, viewId: body.view, sort: body.sort, cursor: body.cursor,
      limit: body.limit ?? 50 }, actorOf(req).keyId));
  });

  router.post('/api/contacts', anyone, async (req, res) => {
    const contact = await contacts.profiles.create(actorOf(req), parseWith(createContactSchema, req.body));
    res.status(201).location(`/api/contacts/${contact.id}`).json(contact);
  });

  router.get('/api/contacts/:id', anyone, async (req, res) => {
    const lookup = await contacts.profiles.detail(idParam(req));
    if (lookup.kind === 'missing') throw new NotFoundError(`contact ${req.params.id} does not exist`);
    if (lookup.kind === 'merged') return res.redirect(308, `/api/contacts/${lookup.into}`);
    res.json(lookup.contact);
  });

  router.patch('/api/contacts/:id', anyone, async (req, res) => {
    const patch = parseWith(contactFieldsSchema, req.body);
    res.json(await contacts.profiles.update(actorOf(req), idParam(req), patch));
  });

  router.post('/api/contacts/:id/block', managers, async (req, res) => {
    res.json(await contacts.profiles.block(actorOf(req), idParam(req)));
  });

  router.post('/api/contacts/:id/unblock', managers, async (req, res) => {
    res.json(await contacts.profiles.unblock(actorOf(req), idParam(req)));
  });

  router.delete('/api/contacts/:id/identities/:identityId', managers, async (req, res) => {
    await contacts.profiles.removeIdentity(actorOf(req), idParam(req), idParam(req, 'identityId'));
    res.status(204).end();
  });

  router.get('/api/contacts/:id/duplicates', anyone, async (req, res) => {
    res.json({ duplicates: await contacts.suggestions.list({ contactId: idParam(req), limit: parseLimit(req.query.limit, 100, 1000) }) });
  });

  return router;
}
