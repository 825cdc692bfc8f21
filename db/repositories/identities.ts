import type { Knex } from 'knex';
import { query, type Transaction } from '../sql.js';
import type { ContactStatus } from './contacts.js';
import type { IdentityKey } from '../../identity/keys.js';

export interface IdentityRow {
  id: string;
  contact_id: string;
  kind: string;
  scope: string;
  value: string;
}

export interface IdentityClaim extends IdentityKey {
  id: string;
  contactId: string;
}

export async function findIdentities(trx: Transaction, keys: IdentityKey[]): Promise<IdentityRow[]> {
  if (keys.length === 0) return [];
  const rows = await query<IdentityRow>(trx,
    `/* identities.find */ SELECT i.id, i.contact_id, i.kind, i.scope, i.value
       FROM unnest(?::text[], ?::text[], ?::text[]) AS k(kind, scope, value)
       CROSS JOIN LATERAL (SELECT * FROM contact_identities
                            WHERE kind = k.kind AND scope = k.scope AND value = k.value OFFSET 0) i`,
    [keys.map((k) => k.kind), keys.map((k) => k.scope), keys.map((k) => k.value)],
  );
  return rows;
}

/**
 * Inserts identities that do not exist yet, each pointing at a contact the caller is about to create.
 * Returns only the rows this transaction won: the unique index decides races between resolvers, and the
 * loser's rows are found again with `findIdentities` once the winner has committed.
 */
export async function claimIdentities(trx: Transaction, claims: IdentityClaim[], at: Date): Promise<IdentityRow[]> {
  if (claims.length === 0) return [];
  const rows = await query<IdentityRow>(trx,
    `/* identities.claim */ INSERT INTO contact_identities (id, contact_id, kind, scope, value, matchable, created_at)
     SELECT c.*, ?::timestamptz
       FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::bool[])
         AS c(id, contact_id, kind, scope, value, matchable)
     ORDER BY c.kind, c.scope, c.value
     ON CONFLICT (kind, scope, value) DO NOTHING
     RETURNING id, contact_id, kind, scope, value`,
    [at, claims.map((c) => c.id), claims.map((c) => c.contactId), claims.map((c) => c.kind),
      claims.map((c) => c.scope), claims.map((c) => c.value), claims.map((c) => c.matchable)],
  );
  return rows;
}

/** A contact's identity with its message counters, as the contact page shows it. */
export interface IdentityDetailRow extends IdentityRow {
  created_at: Date;
  last_inbound_at: Date | null;
  message_count: number | null;
}

export async function listContactIdentities(db: Knex | Knex.Transaction, contactId: string): Promise<IdentityDetailRow[]> {
  return query<IdentityDetailRow>(db,
    `SELECT i.id, i.contact_id, i.kind, i.scope, i.value, i.created_at, n.last_inbound_at, n.message_count
       FROM contact_identities i LEFT JOIN interactions n ON n.identity_id = i.id
      WHERE i.contact_id = ? ORDER BY i.created_at, i.id`, [contactId]);
}

/** The distinct identity kinds of each of these contacts (a contact without identities is left out). */
export async function identityKindsByContact(db: Knex | Knex.Transaction, contactIds: string[]): Promise<Map<string, string[]>> {
  if (contactIds.length === 0) return new Map();
  const rows = await query<{ contact_id: string; kinds: string[] }>(db,
    `SELECT contact_id, array_agg(DISTINCT kind) AS kinds FROM contact_identities
      WHERE contact_id = ANY(?::uuid[]) GROUP BY contact_id`, [contactIds]);
  return new Map(rows.map((row) => [row.contact_id, row.kinds]));
}

/** Removes one identity of a contact; returns what it was, or undefined when the contact has no such identity. */
export async function deleteIdentity(trx: Knex.Transaction, contactId: string, identityId: string):
  Promise<Pick<IdentityRow, 'kind' | 'scope' | 'value'> | undefined> {
  const [removed] = await query<Pick<IdentityRow, 'kind' | 'scope' | 'value'>>(trx,
    'DELETE FROM contact_identities WHERE id = ? AND contact_id = ? RETURNING kind, scope, value', [identityId, contactId]);
  return removed;
}

/** The contact an identity belongs to now (identities move with merges, so it is never a merged-away one). */
export async function findIdentityContact(db: Knex | Knex.Transaction, identity: { kind: string; scope: string; value: string }):
  Promise<{ contactId: string; status: ContactStatus } | undefined> {
  const [row] = await query<{ contact_id: string; status: ContactStatus }>(db,
    `SELECT c.id AS contact_id, c.status FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
      WHERE i.kind = ? AND i.scope = ? AND i.value = ?`, [identity.kind, identity.scope, identity.value]);
  return row && { contactId: row.contact_id, status: row.status };
}
