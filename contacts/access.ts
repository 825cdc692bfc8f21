import { createApiKey, findApiKey, listApiKeys, revokeApiKey, type Role } from '../db/repositories/api-keys.js';
import { listAuditEntries, type AuditQuery } from '../db/repositories/audit.js';
import type { Actor, ContactsContext } from './change.js';

export { ROLES, type ApiKey, type Role } from '../db/repositories/api-keys.js';

/** Who may use the admin API: API keys (stored hashed) and the audit log of everything they changed. */
export function accessOperations({ db, run }: ContactsContext) {
  return {
    /** The live key `key` names, or undefined (unknown or revoked). */
    find: (key: string) => findApiKey(db, key),
    list: () => listApiKeys(db),
    /** Registers `OWNER_API_KEY` (hashed), or revives it if it was revoked: the way into a fresh install. */
    bootstrapOwner: (key: string) => createApiKey(db, { name: 'bootstrap owner (OWNER_API_KEY)', role: 'owner', key }),
    /** The only time the key itself is shown: it is stored hashed. */
    create: (actor: Actor, input: { name: string; role: Role }) => run(actor, async (ctx) => {
      const key = await createApiKey(ctx.trx, { ...input, createdBy: ctx.actor.keyId });
      ctx.audit({ action: 'api_key.created', targetType: 'api_key', targetId: key.id, after: { name: key.name, role: key.role } });
      return key;
    }),
    revoke: (actor: Actor, id: string) => run(actor, async (ctx) => {
      await revokeApiKey(ctx.trx, id, ctx.now);
      ctx.audit({ action: 'api_key.revoked', targetType: 'api_key', targetId: id });
    }),
    audit: (options: AuditQuery) => listAuditEntries(db, options),
  };
}
