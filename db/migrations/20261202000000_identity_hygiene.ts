import type { Knex } from 'knex';

/**
 * Identity hygiene:
 * - `business_addresses`: the business's own email addresses and numbers (every account an envelope arrived
 *   on, and those configured), which are never a customer's identity or contact point;
 * - `contact_points.mailbox`: the mailbox an address is delivered to under its provider's rules (Gmail ignores
 *   dots and `+tag`), so equivalent spellings are suggested as duplicates;
 * - a suggestion made by such a rule says which (`rule`) and what the other contact holds (`other_value`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('business_addresses', (t) => {
    t.text('value').primary(); // a lowercased email address or an E.164 number
    t.text('kind').notNullable(); // email | phone
    t.text('source').notNullable(); // account | config
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('contact_points', (t) => {
    t.text('mailbox');
  });
  await knex.raw('CREATE INDEX contact_points_mailbox ON contact_points (kind, mailbox) WHERE mailbox IS NOT NULL');
  await knex.schema.alterTable('duplicate_suggestions', (t) => {
    t.text('rule');
    t.text('other_value');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('duplicate_suggestions', (t) => {
    t.dropColumn('rule');
    t.dropColumn('other_value');
  });
  await knex.raw('DROP INDEX IF EXISTS contact_points_mailbox');
  await knex.schema.alterTable('contact_points', (t) => {
    t.dropColumn('mailbox');
  });
  await knex.schema.dropTableIfExists('business_addresses');
}
