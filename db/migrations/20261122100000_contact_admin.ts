import type { Knex } from 'knex';

/** What people manage on top of resolved contacts: tags, notes, fields, views, merges, jobs, the audit log. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contacts', (t) => {
    t.text('assignee');
    t.text('email_subscription').notNullable().defaultTo('subscribed');
    /** Set on a merged-away secondary: the contact that absorbed it (always a live contact, never a chain). */
    t.uuid('merged_into').references('contacts.id').onDelete('CASCADE');
    t.index(['merged_into']);
    t.index(['created_at', 'id']);
    t.index(['updated_at', 'id']);
    t.index(['last_interaction_at', 'id']);
  });
  await knex.raw(`ALTER TABLE contacts ADD CONSTRAINT contacts_email_subscription
    CHECK (email_subscription IN ('subscribed', 'unsubscribed'))`);
  await knex.raw('CREATE INDEX contacts_display_name_id ON contacts (lower(display_name), id)');

  await knex.schema.createTable('tags', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX tags_name_key ON tags (lower(name))');

  await knex.schema.createTable('contact_tags', (t) => {
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('tag_id').notNullable().references('tags.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['contact_id', 'tag_id']);
    t.index(['tag_id']);
  });

  await knex.schema.createTable('notes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.text('body').notNullable();
    t.uuid('author_key_id');
    t.text('author_name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['contact_id', 'created_at']);
  });

  await knex.schema.createTable('field_definitions', (t) => {
    t.text('key').primary();
    t.text('label').notNullable();
    t.text('type').notNullable(); // text | number | boolean | date | list
    t.jsonb('options'); // allowed values of a list field
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('views', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.boolean('public').notNullable().defaultTo(false);
    t.jsonb('filter').notNullable();
    t.uuid('owner_key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('merges', (t) => {
    t.uuid('id').primary();
    t.uuid('primary_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.specificType('secondary_ids', 'uuid[]').notNullable();
    /** Everything undo needs to put each participant back as it was. */
    t.jsonb('snapshot').notNullable();
    t.uuid('merged_by');
    t.timestamp('merged_at', { useTz: true }).notNullable();
    t.uuid('undone_by');
    t.timestamp('undone_at', { useTz: true });
    t.index(['merged_at']);
  });

  await knex.schema.createTable('duplicate_dismissals', (t) => {
    t.uuid('contact_a').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('contact_b').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('dismissed_by');
    t.timestamp('dismissed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['contact_a', 'contact_b']);
  });

  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable();
    t.text('status').notNullable(); // queued | running | succeeded | failed
    t.integer('total').notNullable().defaultTo(0);
    t.integer('done').notNullable().defaultTo(0);
    t.jsonb('params').notNullable();
    t.text('error');
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('actor_key_id');
    t.text('actor_name').notNullable();
    t.text('action').notNullable();
    t.text('target_type').notNullable();
    t.text('target_id');
    t.jsonb('before');
    t.jsonb('after');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['at']);
  });

  /** Contact events written in the same transaction as the change, relayed to Kafka afterwards. */
  await knex.schema.createTable('event_outbox', (t) => {
    t.bigIncrements('id');
    t.text('key').notNullable();
    t.text('type').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['event_outbox', 'audit_log', 'jobs', 'duplicate_dismissals', 'merges', 'views',
    'field_definitions', 'notes', 'contact_tags', 'tags']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP INDEX IF EXISTS contacts_display_name_id');
  await knex.schema.alterTable('contacts', (t) => {
    t.dropColumns('assignee', 'email_subscription', 'merged_into');
  });
}
