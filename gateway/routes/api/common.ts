import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '../../../db/repositories/audit.js';
import { query } from '../../../db/sql.js';
import type { Db } from '../../../db/client.js';
import { AuthenticationError, PayloadError } from '../../errors.js';
import { uuid } from '../../contacts/schema.js';

export function actorOf(req: Request): Actor {
  if (!req.apiKey) throw new AuthenticationError();
  return { keyId: req.apiKey.id, name: req.apiKey.name };
}

/** A path parameter that must be a UUID: 400 naming it otherwise (never a database cast error). */
export function idParam(req: Request, name = 'id'): string {
  const result = uuid.safeParse(req.params[name]);
  if (!result.success) throw new PayloadError(`${name}: must be a UUID`, name);
  return result.data;
}

export function parseLimit(value: unknown, fallback = 50, max = 500): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new PayloadError(`limit: must be an integer from 1 to ${max}`, 'limit');
  return limit;
}

/**
 * Requests for a merged-away contact are redirected (308, method kept) to the contact that absorbed it,
 * so links and integrations holding an old id keep working.
 */
export function followMerges(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success) return next();
    const [row] = await query<{ merged_into: string | null }>(db, 'SELECT merged_into FROM contacts WHERE id = ?', [id.data]);
    if (!row?.merged_into) return next();
    const location = req.originalUrl.replace(String(req.params.id), row.merged_into);
    res.redirect(308, location);
  };
}
