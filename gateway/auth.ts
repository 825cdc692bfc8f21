import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/client.js';
import { findApiKey, type ApiKey, type Role } from '../db/repositories/api-keys.js';
import { AuthenticationError, ForbiddenError } from './errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: ApiKey;
  }
}

/** Requires `Authorization: Bearer <key>` naming a live key with one of `roles`. */
export function requireApiKey(db: Db, roles: readonly Role[]) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) return next(new AuthenticationError());
    const apiKey = await findApiKey(db, match[1]!);
    if (!apiKey) return next(new AuthenticationError('the API key is not valid or has been revoked'));
    if (!roles.includes(apiKey.role)) {
      return next(new ForbiddenError(`this action needs the role ${roles.join(' or ')}; the key has ${apiKey.role}`));
    }
    req.apiKey = apiKey;
    next();
  };
}
