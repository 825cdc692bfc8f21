import type { Knex } from 'knex';

/**
 * What stream connectors keep across restarts and moves between machines: an IMAP mailbox's position
 * (UIDVALIDITY and the last UID published), a WhatsApp account's keys and credentials. One row per key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connector_state', (t) => {
    t.text('connector').notNullable();
    t.text('account').notNullable();
    t.text('key').notNullable();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['connector', 'account', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('connector_state');
}
