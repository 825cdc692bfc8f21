import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ROLES, type ApiKey, type Role } from '../contacts/access.js';
import { ForbiddenError } from '../contacts/errors.js';
import { AuthenticationError } from './errors.js';

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
 * Looks API keys up through `find`, remembering valid ones for `ttlMs` so a busy gateway does not ask the
 * database on every request. A revoked key stops working within `ttlMs`. Remembered by hash: a heap dump
 * holds no key.
 */
export function createAuthenticator(find: Authenticator, ttlMs: number, maxEntries = 10_000): Authenticator {
  const cache = new Map<string, { apiKey: ApiKey; expires: number }>();
  return async (key) => {
    const hash = createHash('sha256').update(key).digest('base64');
    const hit = cache.get(hash);
    if (hit && hit.expires > Date.now()) return hit.apiKey;
    const apiKey = await find(key);
    cache.delete(hash);
    if (apiKey && ttlMs > 0) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(hash, { apiKey, expires: Date.now() + ttlMs });
    }
    return apiKey;
  };
}

/** Requires `Authorization: Bearer <key>` naming a live key; the key is then `req.apiKey`. Runs before anything else. */
export function requireApiKey(authenticate: Authenticator) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const key = bearerKey(req.headers.authorization);
    if (!key) return next(new AuthenticationError());
    const apiKey = await authenticate(key);
    if (!apiKey) return next(new AuthenticationError('the API key is not valid or has been revoked'));
    req.apiKey = apiKey;
    next();
  };
}

/** The key in an `Authorization: Bearer <key>` header, if that is what it holds. */
export function bearerKey(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** Lets through a request whose key (checked by `requireApiKey` before) has one of `roles`; 403 otherwise. */
export function allow(roles: readonly Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const role = req.apiKey?.role;
    if (!role) return next(new AuthenticationError());
    if (!roles.includes(role)) return next(new ForbiddenError(`this action needs the role ${roles.join(' or ')}; the key has ${role}`));
    next();
  };
}
