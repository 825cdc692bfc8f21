import type { Knex } from 'knex';

/** Tables the resolver writes on every batch, which grow by a large share during a busy hour. */
const HOT_TABLES = ['contacts', 'contact_identities', 'contact_points', 'interactions', 'processed_envelopes', 'duplicate_suggestions'];

/**
 * The resolver's hot path, made cheaper to write and plannable without luck:
 * - statistics refreshed after 2 % of a table changed (PostgreSQL's default waits for 10 %, and a drain that
 *   doubles a table within a minute would be planned as if it were empty; the resolver also runs ANALYZE
 *   itself after large inserts);
 * - `interactions` rows are rewritten on every batch: pages keep 20 % free, so the rewrite stays on its page
 *   and no index changes (a HOT update);
 * - the ledger's `processed_at` is only ever scanned by range, for pruning: a BRIN index (kilobytes, nearly free
 *   to maintain on an append-only column) instead of a B-tree entry per message;
 * - `interactions.contact_id` loses its foreign key: the row is deleted with its identity (that foreign key
 *   stays and cascades), and only the resolver and merges write the column, inside the transactions that move
 *   the identity. Every other foreign key on the hot path stays: each is what deletes a contact's rows.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of HOT_TABLES) {
    await knex.raw(`ALTER TABLE ?? SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05)`, [table]);
  }
  await knex.raw('ALTER TABLE interactions SET (fillfactor = 80)');
  await knex.raw('ALTER TABLE interactions DROP CONSTRAINT IF EXISTS interactions_contact_id_foreign');
  await knex.raw('DROP INDEX IF EXISTS processed_envelopes_processed_at_index');
  await knex.raw('CREATE INDEX processed_envelopes_processed_at_brin ON processed_envelopes USING brin (processed_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS processed_envelopes_processed_at_brin');
  await knex.raw('CREATE INDEX processed_envelopes_processed_at_index ON processed_envelopes (processed_at)');
  await knex.raw(`ALTER TABLE interactions ADD CONSTRAINT interactions_contact_id_foreign
    FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE`);
  await knex.raw('ALTER TABLE interactions RESET (fillfactor)');
  for (const table of HOT_TABLES) {
    await knex.raw('ALTER TABLE ?? RESET (autovacuum_analyze_scale_factor, autovacuum_vacuum_scale_factor)', [table]);
  }
}
