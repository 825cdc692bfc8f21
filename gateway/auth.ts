import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/client.js';
import { findApiKey, hashApiKey, ROLES, type ApiKey, type Role } from '../db/repositories/api-keys.js';
import { AuthenticationError, ForbiddenError } from './errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: ApiKey;
  }
}

/** Who may do what: agents may not delete, merge, unmerge, block, unblock, import or export; owners manage keys. */
export const EVERYONE: readonly Role[] = ROLES;
export const MANAGERS: readonly Role[] = ['owner', 'manager'];
export const OWNERS: readonly Role[] = ['owner'];

export type Authenticator = (key: string) => Promise<ApiKey | undefined>;

/**
 * Looks API keys up by hash, remembering valid ones for `ttlMs` so a busy gateway does not ask the
 * database on every request. A revoked key stops working within `ttlMs`.
 */
export function createAuthenticator(db: Db, ttlMs: number, maxEntries = 10_000): Authenticator {
  const cache = new Map<string, { apiKey: ApiKey; expires: number }>();
  return async (key) => {
    const hash = hashApiKey(key);
    const hit = cache.get(hash);
    if (hit && hit.expires > Date.now()) return hit.apiKey;
    const apiKey = await findApiKey(db, key);
    cache.delete(hash);
    if (apiKey && ttlMs > 0) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(hash, { apiKey, expires: Date.now() + ttlMs });
    }
    return apiKey;
  };
}

/** Requires `Authorization: Bearer <key>` naming a live key with one of `roles`. */
export function requireApiKey(authenticate: Authenticator, roles: readonly Role[]) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) return next(new AuthenticationError());
    const apiKey = await authenticate(match[1]!);
    if (!apiKey) return next(new AuthenticationError('the API key is not valid or has been revoked'));
    if (!roles.includes(apiKey.role)) {
      return next(new ForbiddenError(`this action needs the role ${roles.join(' or ')}; the key has ${apiKey.role}`));
    }
    req.apiKey = apiKey;
    next();
  };
}
