import type { Cte } from '../sql.js';

/** Where a record was read from; a record read again at the same place is a replay, not a new delivery. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface LedgerEntry {
  envelopeId: string;
  contactId: string;
  isNew: boolean;
  outcome: 'resolved' | 'dropped';
  source: SourcePosition;
}

/**
 * The processed-envelope ledger, which makes the resolver's database writes idempotent per envelope id: the
 * entries of these ids, as a part of a statement (the first of a batch, `openBatch` in batch.ts); it returns
 * `processed`, their rows as json (`ledgerEntries` reads them).
 */
export function processedLookupCte(envelopeIds: string[]): Cte {
  // One index look-up per id, whatever the statistics say (see `sql.ts`, "look-ups by a batch of keys").
  return {
    name: 'processed',
    text: `SELECT p.envelope_id, p.contact_id, p.is_new, p.outcome, p.source_topic, p.source_partition, p.source_offset::text
       FROM unnest(?::uuid[]) AS e(id)
       CROSS JOIN LATERAL (SELECT * FROM processed_envelopes WHERE envelope_id = e.id OFFSET 0) p`,
    params: [envelopeIds],
    returns: { column: 'processed', sql: "(SELECT coalesce(json_agg(processed), '[]'::json) FROM processed)" },
  };
}

/** Entries by envelope id, from the rows `processedLookupCte` returns. */
export function ledgerEntries(rows: LedgerRow[]): Map<string, LedgerEntry> {
  return new Map(rows.map((row) => [row.envelope_id, {
    envelopeId: row.envelope_id,
    contactId: row.contact_id,
    isNew: row.is_new,
    outcome: row.outcome,
    source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
  }]));
}

/**
 * Records envelopes as processed, as a part of the resolver's batch statement (`db/repositories/batch.ts`); it
 * returns `recorded`, how many rows this transaction wrote. Fewer than given means another transaction recorded
 * one of them first (the unique key made this one wait for it to commit).
 */
export function processedCte(entries: LedgerEntry[], at: Date): Cte {
  return {
    name: 'recorded',
    text: `INSERT INTO processed_envelopes
       (envelope_id, contact_id, is_new, outcome, source_topic, source_partition, source_offset, processed_at)
     SELECT e.*, ?::timestamptz
       FROM unnest(?::uuid[], ?::uuid[], ?::bool[], ?::text[], ?::text[], ?::int[], ?::bigint[])
         AS e(envelope_id, contact_id, is_new, outcome, source_topic, source_partition, source_offset)
     ON CONFLICT (envelope_id) DO NOTHING
     RETURNING envelope_id`,
    returns: { column: 'recorded', sql: '(SELECT count(*)::int FROM recorded)' },
    params: [at, entries.map((e) => e.envelopeId), entries.map((e) => e.contactId), entries.map((e) => e.isNew),
      entries.map((e) => e.outcome), entries.map((e) => e.source.topic), entries.map((e) => e.source.partition),
      entries.map((e) => e.source.offset)],
  };
}

export interface LedgerRow {
  envelope_id: string;
  contact_id: string;
  is_new: boolean;
  outcome: 'resolved' | 'dropped';
  source_topic: string;
  source_partition: number;
  source_offset: string;
}
