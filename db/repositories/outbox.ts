import type { Knex } from 'knex';
import { query } from '../sql.js';

/** A contact event as published on the contact-events topic, keyed by `contactId`. */
export interface ContactEvent {
  type: 'contact.created' | 'contact.blocked' | 'contact.unblocked' | 'contact.merged' | 'contact.unmerged' | 'contact.deleted';
  contactId: string;
  at: string;
  [detail: string]: unknown;
}

export interface OutboxRow {
  id: number;
  key: string;
  type: string;
  payload: ContactEvent;
}

/** Writes events in the caller's transaction: they exist if and only if the change they describe does. */
export async function enqueueEvents(trx: Knex.Transaction, events: ContactEvent[]): Promise<void> {
  if (events.length === 0) return;
  await query(trx,
    `INSERT INTO event_outbox (key, type, payload)
     SELECT e.key, e.type, e.payload
       FROM unnest(?::text[], ?::text[], ?::jsonb[]) WITH ORDINALITY AS e(key, type, payload, n)
      ORDER BY e.n`,
    [events.map((e) => e.contactId), events.map((e) => e.type), events.map((e) => JSON.stringify(e))]);
}

/**
 * Takes the oldest pending events for relaying. The transaction-scoped advisory lock lets one relay at a
 * time work, so events keep their order even with several gateways.
 */
export async function takePendingEvents(trx: Knex.Transaction, limit: number): Promise<OutboxRow[] | undefined> {
  const [lock] = await query<{ ok: boolean }>(trx, "SELECT pg_try_advisory_xact_lock(hashtextextended('event_outbox', 0)) AS ok", []);
  if (!lock?.ok) return undefined;
  return query<OutboxRow>(trx, 'SELECT id, key, type, payload FROM event_outbox ORDER BY id LIMIT ?', [limit]);
}

export async function deleteEvents(trx: Knex.Transaction, ids: number[]): Promise<void> {
  await query(trx, 'DELETE FROM event_outbox WHERE id = ANY(?::bigint[])', [ids]);
}
