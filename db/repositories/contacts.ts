import type { Knex } from 'knex';
import { query } from '../sql.js';
import type { ContactFields } from '../../resolvers/identity/identity.js';

export interface NewContact extends ContactFields {
  id: string;
  displayName: string;
  nameGenerated: boolean;
}

export interface ContactState {
  id: string;
  displayName: string;
  blocked: boolean;
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
  const rows = await query<{ id: string; display_name: string; blocked: boolean }>(trx,
    'SELECT id, display_name, blocked_at IS NOT NULL AS blocked FROM contacts WHERE id = ANY(?::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { id: r.id, displayName: r.display_name, blocked: r.blocked }]));
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
