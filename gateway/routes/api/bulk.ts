import { Router } from 'express';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { deleteContacts, jobStatus } from '../../contacts/delete.js';
import { filterSchema } from '../../contacts/filters.js';
import { deleteContactsSchema } from '../../contacts/schema.js';
import { shorthandConditions, whereOf } from '../../contacts/search.js';
import { exportColumns, exportContacts, importContacts } from '../../contacts/transfer.js';
import type { AppDeps } from '../../app.js';
import { MANAGERS, requireApiKey } from '../../auth.js';
import { NotFoundError, PayloadError } from '../../errors.js';
import { parseBody } from '../../validation.js';
import { actorOf, idParam } from './common.js';

/** Work on many contacts at once: delete (as a job), export and import CSV. Owners and managers only. */
export function bulkRoutes(deps: AppDeps): Router {
  const router = Router();
  const managers = requireApiKey(deps.authenticate, MANAGERS);

  router.get('/api/contacts/export.csv', managers, async (req, res) => {
    const columns = exportColumns(typeof req.query.columns === 'string' ? req.query.columns : undefined);
    const filter = typeof req.query.filter === 'string' ? parseFilterParam(req.query.filter) : { conditions: [], match: 'all' };
    const actor = actorOf(req);
    const { where } = await whereOf(deps.db, {
      filter, also: shorthandConditions(req.query),
      q: typeof req.query.q === 'string' ? req.query.q : undefined,
      viewId: typeof req.query.view === 'string' ? req.query.view : undefined,
    }, actor.keyId, deps.clock());
    res.status(200).type('text/csv; charset=utf-8').attachment('contacts.csv');
    const count = await exportContacts(deps.db, where, columns, res);
    res.end();
    deps.logger.info({ count, actor: actor.name }, 'contacts exported');
  });

  router.post('/api/contacts/import', managers, async (req, res) => {
    if (!req.is('text/csv')) throw new PayloadError('send the CSV with Content-Type: text/csv');
    const country = typeof req.query.defaultCountry === 'string' ? req.query.defaultCountry.toUpperCase() : undefined;
    if (country && !isSupportedCountry(country)) {
      throw new PayloadError('defaultCountry: must be an ISO 3166-1 alpha-2 country code such as DE', 'defaultCountry');
    }
    const report = await importContacts(deps.runChange, actorOf(req), req, country as CountryCode | undefined);
    res.status(200).json(report);
  });

  router.post('/api/contacts/delete', managers, async (req, res) => {
    const selection = parseBody(deleteContactsSchema, req.body);
    const job = await deps.deleteJobs.start(actorOf(req), selection);
    res.status(202).location(`/api/jobs/${job.id}`).json(job);
  });

  router.delete('/api/contacts/:id', managers, async (req, res) => {
    const id = idParam(req);
    const deleted = await deps.runChange(actorOf(req), (ctx) => deleteContacts(ctx, [id]));
    if (deleted.length === 0) throw new NotFoundError(`contact ${id} does not exist`);
    res.status(204).end();
  });

  router.get('/api/jobs/:id', managers, async (req, res) => {
    const job = await jobStatus(deps.db, idParam(req));
    if (!job) throw new NotFoundError(`job ${req.params.id} does not exist`);
    res.json(job);
  });

  return router;
}

function parseFilterParam(text: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PayloadError('filter: must be JSON such as {"conditions":[…],"match":"all"}', 'filter');
  }
  return parseBody(filterSchema, json);
}
