import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary();
    t.text('display_name').notNullable();
    t.boolean('name_generated').notNullable().defaultTo(false);
    t.text('first_name');
    t.text('last_name');
    t.text('email');
    t.text('phone');
    t.text('avatar_url');
    t.text('country');
    t.text('language');
    t.text('timezone');
    t.text('lifecycle_stage').notNullable().defaultTo('lead');
    t.jsonb('custom_fields').notNullable().defaultTo('{}');
    t.timestamp('blocked_at', { useTz: true });
    t.timestamp('last_interaction_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('contact_identities', (t) => {
    t.uuid('id').primary();
    t.uuid('contact_id').notNullable();
    t.text('kind').notNullable();
    t.text('scope').notNullable().defaultTo('');
    t.text('value').notNullable();
    /** False for raw phones and anonymous senders: never used to match other identities or points. */
    t.boolean('matchable').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'scope', 'value'], { indexName: 'contact_identities_kind_scope_value_key' });
    t.index(['contact_id']);
  });
  // Deferred: the resolver claims an identity first and creates its contact in the same transaction.
  await knex.raw(`ALTER TABLE contact_identities ADD CONSTRAINT contact_identities_contact_fk
    FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED`);

  await knex.schema.createTable('contact_points', (t) => {
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // email | phone
    t.text('value').notNullable();
    t.text('source').notNullable(); // identity | profile | manual
    t.uuid('envelope_id'); // the inbound message that taught us this point, when there was one
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['contact_id', 'kind', 'value']);
    t.index(['kind', 'value']);
  });

  await knex.schema.createTable('duplicate_suggestions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contact_a').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('contact_b').notNullable().references('contacts.id').onDelete('CASCADE');
    t.text('field').notNullable(); // email | phone
    t.text('value').notNullable();
    t.text('status').notNullable().defaultTo('open'); // open | dismissed
    t.uuid('flagged_by_envelope'); // lets a resolver that replays a batch re-emit its events
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['contact_a', 'contact_b', 'field', 'value']);
    t.index(['contact_b']);
    t.index(['flagged_by_envelope']);
  });
  await knex.raw('ALTER TABLE duplicate_suggestions ADD CONSTRAINT duplicate_suggestions_ordered CHECK (contact_a < contact_b)');

  await knex.schema.createTable('interactions', (t) => {
    t.uuid('identity_id').primary().references('contact_identities.id').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.timestamp('first_inbound_at', { useTz: true }).notNullable();
    t.timestamp('last_inbound_at', { useTz: true }).notNullable();
    t.bigInteger('message_count').notNullable().defaultTo(0);
    t.text('last_channel').notNullable();
    t.index(['contact_id']);
  });

  await knex.schema.createTable('blocked_drops', (t) => {
    t.uuid('contact_id').primary().references('contacts.id').onDelete('CASCADE');
    t.bigInteger('dropped_count').notNullable().defaultTo(0);
    t.timestamp('last_attempt_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('processed_envelopes', (t) => {
    t.uuid('envelope_id').primary();
    t.uuid('contact_id').notNullable();
    t.boolean('is_new').notNullable();
    t.text('outcome').notNullable(); // resolved | dropped
    t.text('source_topic').notNullable();
    t.integer('source_partition').notNullable();
    t.bigInteger('source_offset').notNullable();
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['processed_at']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('key_hash').notNullable().unique();
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role CHECK (role IN ('owner', 'manager', 'agent'))`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['api_keys', 'processed_envelopes', 'blocked_drops', 'interactions', 'duplicate_suggestions',
    'contact_points', 'contact_identities', 'contacts']) {
    await knex.schema.dropTableIfExists(table);
  }
}
