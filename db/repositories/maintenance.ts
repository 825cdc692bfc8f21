import type { Knex } from 'knex';
import { query } from '../sql.js';

/** Tables the resolver writes on every batch: their statistics must follow their growth. */
export const HOT_TABLES = ['contacts', 'contact_identities', 'contact_points', 'interactions', 'processed_envelopes',
  'duplicate_suggestions'] as const;

/**
 * ANALYZEs each hot table in which more rows changed since its last ANALYZE than 10 % of its size (at least
 * 1,000): autovacuum looks once a minute, and a table that doubled within that minute is otherwise planned as
 * the small table it was. Returns the tables analysed.
 */
export async function analyzeGrownTables(db: Knex): Promise<string[]> {
  const rows = await query<{ relname: string }>(db,
    `SELECT relname FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = ANY(?::text[])
        AND n_mod_since_analyze > GREATEST(1000, 0.1 * n_live_tup)`,
    [[...HOT_TABLES]]);
  for (const { relname } of rows) await db.raw('ANALYZE ??', [relname]);
  return rows.map((row) => row.relname);
}

/**
 * Deletes ledger entries older than `before`, a batch at a time (short transactions, no long lock), and
 * returns how many. An envelope id delivered again after its entry is gone is resolved again: the retention
 * is the dedupe window.
 */
export async function pruneLedger(db: Knex, before: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await query<{ envelope_id: string }>(db,
      `DELETE FROM processed_envelopes WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM processed_envelopes WHERE processed_at < ?::timestamptz LIMIT ?))
       RETURNING envelope_id`, [before, batchSize]);
    total += deleted.length;
    if (deleted.length < batchSize) return total;
  }
}

/** Runs `work` only if no other process is running the same job (a transaction-free advisory lock); false if one is. */
export async function exclusively(db: Knex, job: string, work: () => Promise<void>): Promise<boolean> {
  const connection = await db.client.acquireConnection();
  try {
    const { rows } = await connection.query('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [`tributary.job.${job}`]);
    if (!rows[0].held) return false;
    try {
      await work();
    } finally {
      await connection.query('SELECT pg_advisory_unlock(hashtext($1))', [`tributary.job.${job}`]);
    }
    return true;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
