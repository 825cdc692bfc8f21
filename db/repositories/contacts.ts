import type { Knex } from 'knex';
import { query } from '../sql.js';

/** Profile fields of a contact that inbound messages fill in when they are empty. */
export interface ContactFields {
  displayName?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  avatarUrl?: string;
  country?: string;
  language?: string;
  timezone?: string;
}

export interface NewContact extends ContactFields {
  id: string;
  displayName: string;
  nameGenerated: boolean;
}

/**
 * Where a contact stands, as the `status` column derives it (migration 20261130000000): `live`, `blocked`
 * (its messages are dropped), `merged` into another contact, or `deleted` (no row any more). Only the contacts
 * domain module (`contacts/status.ts`, `contacts/merge.ts`, `contacts/delete.ts`) moves a contact between them.
 */
export const CONTACT_STATUSES = ['live', 'blocked', 'merged', 'deleted'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** What the resolver needs to know of a contact a message resolves to. */
export interface ContactState {
  id: string;
  displayName: string;
  status: ContactStatus;
}

/** What a batch of inbound messages teaches about one existing contact. */
export interface InboundContactUpdate extends ContactFields {
  id: string;
  lastInboundAt: Date;
}

const FIELD_COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'avatar_url', 'country', 'language', 'timezone'] as const;
const fieldValues = (rows: ContactFields[]) => [
  rows.map((r) => r.firstName ?? null), rows.map((r) => r.lastName ?? null), rows.map((r) => r.email ?? null),
  rows.map((r) => r.phone ?? null), rows.map((r) => r.avatarUrl ?? null), rows.map((r) => r.country ?? null),
  rows.map((r) => r.language ?? null), rows.map((r) => r.timezone ?? null),
];

/** Creates contacts; their last interaction is set by `applyInboundUpdates` from the messages themselves. */
export async function insertContacts(trx: Knex.Transaction, contacts: NewContact[], at: Date): Promise<void> {
  if (contacts.length === 0) return;
  await query(trx,
    `INSERT INTO contacts (id, display_name, name_generated, ${FIELD_COLUMNS.join(', ')}, created_at, updated_at)
     SELECT c.*, ?::timestamptz, ?::timestamptz
       FROM unnest(?::uuid[], ?::text[], ?::bool[], ${FIELD_COLUMNS.map(() => '?::text[]').join(', ')})
         AS c(id, display_name, name_generated, ${FIELD_COLUMNS.join(', ')})`,
    [at, at, contacts.map((c) => c.id), contacts.map((c) => c.displayName), contacts.map((c) => c.nameGenerated),
      ...fieldValues(contacts)],
  );
}

export async function loadContactStates(trx: Knex.Transaction, ids: string[]): Promise<Map<string, ContactState>> {
  const rows = await query<{ id: string; display_name: string; status: ContactStatus }>(trx,
    'SELECT id, display_name, status FROM contacts WHERE id = ANY(?::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { id: r.id, displayName: r.display_name, status: r.status }]));
}

/**
 * Fills a contact's empty fields from what senders told us (never overwrites what a person entered),
 * replaces a generated name with a real one, and moves the last interaction forward.
 */
export async function applyInboundUpdates(trx: Knex.Transaction, updates: InboundContactUpdate[], at: Date): Promise<void> {
  if (updates.length === 0) return;
  const fills = FIELD_COLUMNS.map((column) => `${column} = COALESCE(c.${column}, u.${column})`).join(',\n       ');
  const changed = FIELD_COLUMNS.map((column) => `(c.${column} IS NULL AND u.${column} IS NOT NULL)`).join(' OR ');
  await query(trx,
    `UPDATE contacts c SET
       ${fills},
       display_name = CASE WHEN c.name_generated AND u.display_name IS NOT NULL THEN u.display_name ELSE c.display_name END,
       name_generated = c.name_generated AND u.display_name IS NULL,
       last_interaction_at = GREATEST(c.last_interaction_at, u.last_inbound_at),
       updated_at = CASE WHEN ${changed} OR (c.name_generated AND u.display_name IS NOT NULL)
                         THEN ?::timestamptz ELSE c.updated_at END
     FROM unnest(?::uuid[], ?::text[], ?::timestamptz[], ${FIELD_COLUMNS.map(() => '?::text[]').join(', ')})
       AS u(id, display_name, last_inbound_at, ${FIELD_COLUMNS.join(', ')})
     WHERE c.id = u.id`,
    [at, updates.map((u) => u.id), updates.map((u) => u.displayName ?? null), updates.map((u) => u.lastInboundAt),
      ...fieldValues(updates)],
  );
}

export interface LockedContact extends ContactState {
  mergedInto: string | null;
}

/**
 * Locks the contacts a batch is about to write to, in id order, and follows merges: a contact merged away
 * while the batch was being matched stands for the contact that absorbed it. Locking here is what makes a
 * concurrent merge or block wait for the batch, or the batch see the merge or block.
 */
export async function lockContactStates(trx: Knex.Transaction, ids: string[]): Promise<Map<string, ContactState>> {
  const states = new Map<string, ContactState>();
  const survivors = new Map<string, string>();
  let pending = ids;
  for (let depth = 0; pending.length > 0 && depth < 5; depth++) {
    const rows = await query<{ id: string; display_name: string; status: ContactStatus; merged_into: string | null }>(trx,
      `SELECT id, display_name, status, merged_into FROM contacts
        WHERE id = ANY(?::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [pending]);
    pending = [];
    for (const row of rows) {
      states.set(row.id, { id: row.id, displayName: row.display_name, status: row.status });
      if (row.merged_into) {
        survivors.set(row.id, row.merged_into);
        if (!states.has(row.merged_into)) pending.push(row.merged_into);
      }
    }
  }
  for (const [merged, survivor] of survivors) states.set(merged, states.get(survivor) ?? states.get(merged)!);
  return states;
}

/**
 * For new identities: the one live, unblocked contact a person entered this exact email or phone on (a
 * trusted contact point), locked. Values held by several such contacts are left out: they make a new contact.
 */
export async function findTrustedContacts(trx: Knex.Transaction, points: { kind: string; value: string }[]):
  Promise<Map<string, string>> {
  if (points.length === 0) return new Map();
  const rows = await query<{ kind: string; value: string; contact_id: string }>(trx,
    `SELECT cp.kind, cp.value, c.id AS contact_id
       FROM unnest(?::text[], ?::text[]) AS k(kind, value)
       JOIN contact_points cp ON cp.kind = k.kind AND cp.value = k.value AND cp.source = 'manual'
       JOIN contacts c ON c.id = cp.contact_id AND c.status = 'live'
      ORDER BY c.id
        FOR NO KEY UPDATE OF c`,
    [points.map((p) => p.kind), points.map((p) => p.value)]);
  const holders = new Map<string, Set<string>>();
  for (const row of rows) {
    const key = `${row.kind}:${row.value}`;
    holders.set(key, (holders.get(key) ?? new Set()).add(row.contact_id));
  }
  return new Map([...holders].filter(([, ids]) => ids.size === 1).map(([key, ids]) => [key, [...ids][0]!]));
}
