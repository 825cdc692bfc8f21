import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { NotFoundError } from '../../../contacts/errors.js';
import { exportColumns } from '../../../contacts/export.js';
import { filterSchema } from '../../../contacts/filters.js';
import { deleteContactsSchema, MAX_QUERY_LENGTH, uuid } from '../../../contacts/schema.js';
import { shorthandConditions } from '../../../contacts/search.js';
import { parseWith, PayloadError } from '../../../identity/parse.js';
import type { AppDeps } from '../../app.js';
import { allow, MANAGERS } from '../../auth.js';
import { actorOf, idParam, queryText, queryUuid } from './common.js';

const MAX_EXPORT_IDS = 500;

/** Work on many contacts at once: delete and import (as background jobs), export CSV. Owners and managers only. */
export function bulkRoutes({ contacts, logger, importMaxBytes }: AppDeps): Router {
  const router = Router();
  const managers = allow(MANAGERS);

  router.get('/api/contacts/export.csv', managers, async (req, res) => {
    const columns = exportColumns(queryText(req, 'columns'));
    const filterText = queryText(req, 'filter', 100_000);
    const filter = filterText === undefined ? { conditions: [], match: 'all' } : parseFilterParam(filterText);
    const actor = actorOf(req);
    const query = { filter, also: shorthandConditions(req.query), q: queryText(req, 'q', MAX_QUERY_LENGTH), viewId: queryUuid(req, 'view'),
      ids: exportIds(queryText(req, 'ids', 37 * MAX_EXPORT_IDS)) };
    res.status(200).type('text/csv; charset=utf-8').attachment('contacts.csv');
    const count = await contacts.exports.export(query, actor.keyId, columns, res);
    res.end();
    logger.info({ count, actor: actor.name }, 'contacts exported');
  });

  router.post('/api/contacts/import', managers, requireCsv, express.raw({ type: () => true, limit: importMaxBytes }), async (req, res) => {
    const country = queryText(req, 'defaultCountry')?.toUpperCase();
    if (country && !isSupportedCountry(country)) {
      throw new PayloadError('defaultCountry: must be an ISO 3166-1 alpha-2 country code such as DE', 'defaultCountry');
    }
    const job = await contacts.imports.start(actorOf(req), Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      { defaultCountry: country as CountryCode | undefined, idempotencyKey: idempotencyKey(req) });
    res.status(202).location(`/api/jobs/${job.id}`).json(job);
  });

  router.post('/api/contacts/delete', managers, async (req, res) => {
    const job = await contacts.deletion.many(actorOf(req), parseWith(deleteContactsSchema, req.body));
    res.status(202).location(`/api/jobs/${job.id}`).json(job);
  });

  router.delete('/api/contacts/:id', managers, async (req, res) => {
    await contacts.deletion.one(actorOf(req), idParam(req));
    res.status(204).end();
  });

  router.get('/api/jobs/:id', managers, async (req, res) => {
    const job = await contacts.jobs.status(idParam(req));
    if (!job) throw new NotFoundError(`job ${req.params.id} does not exist`);
    res.json(job);
  });

  return router;
}

/** The content type is checked before the upload is read. */
function requireCsv(req: Request, _res: Response, next: NextFunction): void {
  next(req.is('text/csv') ? undefined : new PayloadError('send the CSV with Content-Type: text/csv'));
}

/** `Idempotency-Key`: any 1–255 visible characters the client chooses; the same key again finds the same job. */
function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new PayloadError('Idempotency-Key: 1 to 255 visible ASCII characters, such as a UUID', 'Idempotency-Key');
  }
  return key;
}

/** `ids`: only these contacts (comma-separated, as the console's selected rows), on top of any filter. */
function exportIds(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((id) => id.trim());
  if (ids.length > MAX_EXPORT_IDS || !ids.every((id) => uuid.safeParse(id).success)) {
    throw new PayloadError(`ids: up to ${MAX_EXPORT_IDS} contact ids (UUIDs) separated by commas`, 'ids');
  }
  return ids;
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
