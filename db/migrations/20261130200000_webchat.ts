import type { Knex } from 'knex';

/** Web chat: the sites that embed the widget, and the visitors their widgets met (one per browser). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webchat_sites', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    /** Origins whose pages may embed the widget (CORS); the gateway's own origin always may (the demo page). */
    t.specificType('allowed_origins', 'text[]').notNullable().defaultTo('{}');
    /** What the pre-chat form asks, in order: any of name, email, phone; none means no form. */
    t.specificType('prechat_fields', 'text[]').notNullable().defaultTo('{}');
    t.text('greeting');
    /** The key a site's server signs a logged-in user's identifier with (verified identity). */
    t.text('identity_secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('webchat_visitors', (t) => {
    t.uuid('id').primary();
    t.text('site_id').notNullable().references('webchat_sites.id').onDelete('CASCADE');
    /** The site's own id for a logged-in user, when the site vouched for it with a valid HMAC. */
    t.text('identifier');
    /** What the pre-chat form and the browser told us: name, email, phone, language, timezone, country. */
    t.jsonb('profile').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webchat_visitors');
  await knex.schema.dropTableIfExists('webchat_sites');
}
