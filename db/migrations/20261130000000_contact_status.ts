import type { Knex } from 'knex';

/**
 * A contact's status, derived by PostgreSQL from the two facts that decide it: whether it was merged into
 * another contact, and whether it is blocked. Every query that asks "is this contact live?" compares this one
 * column, so no two of them can disagree about the rule. A deleted contact has no row at all.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE contacts ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
    CASE WHEN merged_into IS NOT NULL THEN 'merged' WHEN blocked_at IS NOT NULL THEN 'blocked' ELSE 'live' END) STORED`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE contacts DROP COLUMN status');
}
