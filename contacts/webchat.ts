import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { updateContactColumns } from '../db/repositories/contact-profiles.js';
import { findIdentityContact } from '../db/repositories/identities.js';
import { deleteSite, findSite, findVisitor, insertSite, listSites, updateSite, upsertVisitor, type WebchatSiteRow,
  type WebchatSiteWrite } from '../db/repositories/webchat.js';
import { parseWith } from '../identity/parse.js';
import { NO_KEY, type Actor, type ContactsContext } from './change.js';
import { ConflictError, NotFoundError } from './errors.js';
import { lockLiveContact } from './status.js';

/** A web-chat site as the admin API shows it (owners and managers: the identity secret is theirs to use). */
export interface WebchatSiteJson {
  id: string;
  name: string;
  allowedOrigins: string[];
  prechatFields: ('name' | 'email' | 'phone')[];
  greeting: string | null;
  identitySecret: string;
  createdAt: string;
  updatedAt: string;
}

const prechatFields = z.array(z.enum(['name', 'email', 'phone']));
/** A visitor's stored profile, read back through this schema: it becomes every message's profile. */
const visitorProfile = z.object({ name: z.string(), email: z.string(), phone: z.string(), language: z.string(), timezone: z.string(),
  country: z.string() }).partial();

/** How long the connector may use a site it read, before reading it again (an admin's change shows within this). */
const SITE_CACHE_MS = 5_000;

/**
 * Web chat's share of the domain: the sites (configured through the admin API, audited), and the store the
 * web-chat connector is handed — its visitors, and whether the contact a visitor's messages resolve to is blocked.
 */
export function webchatOperations({ db, run, clock }: ContactsContext) {
  const cache = new Map<string, { site: WebchatSiteJson | undefined; until: number }>();
  return {
    sites: {
      list: async () => (await listSites(db)).map(toSiteJson),
      get: async (id: string) => {
        const row = await findSite(db, id);
        if (!row) throw new NotFoundError(`web-chat site ${id} does not exist`);
        return toSiteJson(row);
      },
      create: (actor: Actor, id: string, input: WebchatSiteWrite) => run(actor, async (ctx) => {
        const row = await insertSite(ctx.trx, id, input, newIdentitySecret(), ctx.now);
        if (!row) throw new ConflictError(`a web-chat site ${id} exists already`, { reason: 'exists' });
        ctx.audit({ action: 'webchat_site.created', targetType: 'webchat_site', targetId: id, after: input });
        return toSiteJson(row);
      }),
      update: (actor: Actor, id: string, input: WebchatSiteWrite) => run(actor, async (ctx) => {
        const row = await updateSite(ctx.trx, id, input, ctx.now);
        if (!row) throw new NotFoundError(`web-chat site ${id} does not exist`);
        cache.delete(id);
        ctx.audit({ action: 'webchat_site.updated', targetType: 'webchat_site', targetId: id, after: input });
        return toSiteJson(row);
      }),
      delete: (actor: Actor, id: string) => run(actor, async (ctx) => {
        if (!(await deleteSite(ctx.trx, id))) throw new NotFoundError(`web-chat site ${id} does not exist`);
        cache.delete(id);
        ctx.audit({ action: 'webchat_site.deleted', targetType: 'webchat_site', targetId: id });
      }),
      /** The `default` site, created at first start so the demo page works; an admin's later changes are kept. */
      ensureDefault: async (allowedOrigins: string[]) => {
        await insertSite(db, 'default', { name: 'Default site', allowedOrigins, prechatFields: ['name', 'email'], greeting: null },
          newIdentitySecret(), clock());
      },
    },
    store: {
      async site(id: string) {
        const hit = cache.get(id);
        if (hit && hit.until > Date.now()) return hit.site;
        const row = await findSite(db, id);
        const site = row && toSiteJson(row);
        cache.set(id, { site, until: Date.now() + SITE_CACHE_MS });
        return site;
      },
      async visitor(id: string) {
        const row = await findVisitor(db, id);
        return row && { id: row.id, siteId: row.site_id, identifier: row.identifier,
          profile: parseWith(visitorProfile, row.profile, ['visitor', 'profile']) };
      },
      saveVisitor: (visitor: { id: string; siteId: string; identifier: string | null; profile: z.infer<typeof visitorProfile> },
        at: Date) => upsertVisitor(db, visitor, at),
      async isBlocked(identity: { kind: string; scope: string; value: string }) {
        return (await findIdentityContact(db, identity))?.status === 'blocked';
      },
      /** The visitor's own wish, audited with the visitor as the actor. */
      async unsubscribe(identity: { kind: string; scope: string; value: string }, visitorId: string): Promise<'unsubscribed' | 'no_contact'> {
        const found = await findIdentityContact(db, identity);
        if (!found) return 'no_contact';
        await run({ keyId: NO_KEY, name: `web-chat visitor ${visitorId}` }, async (ctx) => {
          const contact = await lockLiveContact(ctx.trx, found.contactId);
          if (contact.email_subscription === 'unsubscribed') return;
          await updateContactColumns(ctx.trx, contact.id, { email_subscription: 'unsubscribed' }, ctx.now);
          ctx.audit({ action: 'contact.unsubscribed', targetType: 'contact', targetId: contact.id,
            before: { emailSubscription: contact.email_subscription }, after: { emailSubscription: 'unsubscribed', by: 'visitor' } });
        });
        return 'unsubscribed';
      },
    },
  };
}

function newIdentitySecret(): string {
  return randomBytes(32).toString('hex');
}

function toSiteJson(row: WebchatSiteRow): WebchatSiteJson {
  return { id: row.id, name: row.name, allowedOrigins: row.allowed_origins, prechatFields: parseWith(prechatFields, row.prechat_fields),
    greeting: row.greeting, identitySecret: row.identity_secret, createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString() };
}
