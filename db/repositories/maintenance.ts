import type { Knex } from 'knex';
import { query } from '../sql.js';

/** Tables the resolver writes on every batch: their statistics must follow their growth. */
export const HOT_TABLES = ['contacts', 'contact_identities', 'contact_points', 'interactions', 'processed_envelopes',
  'duplicate_suggestions'] as const;

/**
 * ANALYZEs each hot table whose size moved more than 10 % (at least 1,000 rows) away from the count its last
 * ANALYZE left the planner (`reltuples`, -1 before the first): autovacuum looks once a minute, and a table that
 * doubled within that minute is otherwise planned as the small table it was. Rows changed in place leave that
 * count true and are left to autovacuum: counting them too (`n_mod_since_analyze`) ANALYZEd the contacts of a
 * busy gateway every few seconds, for plans that do not change. Returns the tables analysed.
 */
export async function analyzeGrownTables(db: Knex): Promise<string[]> {
  const rows = await query<{ relname: string }>(db,
    `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema() AND s.relname = ANY(?::text[])
        AND abs(s.n_live_tup - greatest(c.reltuples, 0)) > GREATEST(1000, 0.1 * greatest(c.reltuples, 0))`,
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
