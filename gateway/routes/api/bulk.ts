import { Router } from 'express';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { NotFoundError } from '../../../contacts/errors.js';
import { filterSchema } from '../../../contacts/filters.js';
import { deleteContactsSchema } from '../../../contacts/schema.js';
import { shorthandConditions } from '../../../contacts/search.js';
import { exportColumns } from '../../../contacts/transfer.js';
import { parseWith, PayloadError } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { MANAGERS, requireApiKey } from '../../auth.js';
import { actorOf, idParam, queryText } from './common.js';

/** Work on many contacts at once: delete (as a job), export and import CSV. Owners and managers only. */
export function bulkRoutes({ contacts, authenticate, logger }: AppDeps): Router {
  const router = Router();
  const managers = requireApiKey(authenticate, MANAGERS);

  router.get('/api/contacts/export.csv', managers, async (req, res) => {
    const columns = exportColumns(queryText(req, 'columns'));
    const filterText = queryText(req, 'filter');
    const filter = filterText === undefined ? { conditions: [], match: 'all' } : parseFilterParam(filterText);
    const actor = actorOf(req);
    const query = { filter, also: shorthandConditions(req.query), q: queryText(req, 'q'), viewId: queryText(req, 'view') };
    res.status(200).type('text/csv; charset=utf-8').attachment('contacts.csv');
    const count = await contacts.transfer.export(query, actor.keyId, columns, res);
    res.end();
    logger.info({ count, actor: actor.name }, 'contacts exported');
  });

  router.post('/api/contacts/import', managers, async (req, res) => {
    if (!req.is('text/csv')) throw new PayloadError('send the CSV with Content-Type: text/csv');
    const country = queryText(req, 'defaultCountry')?.toUpperCase();
    if (country && !isSupportedCountry(country)) {
      throw new PayloadError('defaultCountry: must be an ISO 3166-1 alpha-2 country code such as DE', 'defaultCountry');
    }
    res.status(200).json(await contacts.transfer.import(actorOf(req), req, country as CountryCode | undefined));
  });

  router.post('/api/contacts/delete', managers, async (req, res) => {
    const job = await contacts.deletion.jobs.start(actorOf(req), parseWith(deleteContactsSchema, req.body));
    res.status(202).location(`/api/jobs/${job.id}`).json(job);
  });

  router.delete('/api/contacts/:id', managers, async (req, res) => {
    await contacts.deletion.one(actorOf(req), idParam(req));
    res.status(204).end();
  });

  router.get('/api/jobs/:id', managers, async (req, res) => {
    const job = await contacts.deletion.jobs.status(idParam(req));
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
  return parseWith(filterSchema, json);
}
