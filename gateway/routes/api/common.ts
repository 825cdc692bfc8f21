import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '../../../contacts/change.js';
import type { Contacts } from '../../../contacts/index.js';
import { uuid } from '../../../contacts/schema.js';
import { PayloadError } from '../../../identity/parse.js';
import { AuthenticationError } from '../../errors.js';

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

/** A query-string parameter given at most once, as text of at most `max` characters; otherwise a 400 naming it. */
export function queryText(req: Request, name: string, max = 1_000): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new PayloadError(`${name}: give it once, as text`, name);
  if (value.length > max) throw new PayloadError(`${name}: at most ${max} characters`, name);
  return value;
}

/** A query-string parameter that must be a UUID when it is given. */
export function queryUuid(req: Request, name: string): string | undefined {
  const value = queryText(req, name);
  if (value === undefined) return undefined;
  const result = uuid.safeParse(value);
  if (!result.success) throw new PayloadError(`${name}: must be a UUID`, name);
  return result.data;
}

/**
 * Requests for a merged-away contact are redirected (308, method kept) to the contact that absorbed it,
 * so links and integrations holding an old id keep working.
 */
export function followMerges(contacts: Contacts) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success) return next();
    const survivor = await contacts.profiles.survivorOf(id.data);
    if (!survivor) return next();
    res.redirect(308, req.originalUrl.replace(String(req.params.id), survivor));
  };
}
