import type { Knex } from 'knex';

/**
 * Background jobs get what an import needs: the file it works on (kept until the job ends), a result (the
 * per-row report), and an idempotency key, so that a client retrying an upload finds the job it started.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.jsonb('result');
    t.text('idempotency_key');
    /** SHA-256 of what the request carried: the same key with another file is refused, not silently answered. */
    t.text('request_hash');
  });
  await knex.raw(`CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (created_by, kind, idempotency_key)
    WHERE idempotency_key IS NOT NULL`);
  await knex.schema.createTable('job_files', (t) => {
    t.uuid('job_id').primary().references('jobs.id').onDelete('CASCADE');
    t.binary('content').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_files');
  await knex.raw('DROP INDEX IF EXISTS jobs_idempotency_key');
  await knex.schema.alterTable('jobs', (t) => t.dropColumns('result', 'idempotency_key', 'request_hash'));
}
