import type { Knex } from 'knex';

/**
 * The audit log as owners read it in the console: narrowed by who acted, what they did, or which contact it
 * was done to, newest first. Each filter walks its own index in id order instead of the whole log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX audit_log_actor ON audit_log (actor_key_id, id)');
  await knex.raw('CREATE INDEX audit_log_action ON audit_log (action, id)');
  await knex.raw('CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX audit_log_actor, audit_log_action, audit_log_target');
}
