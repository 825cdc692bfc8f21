import type { Knex } from 'knex';
import * as contacts from './20261122000000_contacts.js';
import * as contactAdmin from './20261122100000_contact_admin.js';
import * as contactStatus from './20261130000000_contact_status.js';
import * as jobResults from './20261130100000_job_results.js';
import * as webchat from './20261130200000_webchat.js';
import * as connectorState from './20261130300000_connector_state.js';
import * as hotPath from './20261201000000_hot_path.js';
import * as identityHygiene from './20261202000000_identity_hygiene.js';
import * as auditFilters from './20261203000000_audit_filters.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, in order. Listed here rather than read from disk so `tsx` and `dist/` behave alike. */
const migrations: (readonly [string, Migration])[] = [
  ['20261122000000_contacts', contacts],
  ['20261122100000_contact_admin', contactAdmin],
  ['20261130000000_contact_status', contactStatus],
  ['20261130100000_job_results', jobResults],
  ['20261130200000_webchat', webchat],
  ['20261130300000_connector_state', connectorState],
  ['20261201000000_hot_path', hotPath],
  ['20261202000000_identity_hygiene', identityHygiene],
  ['20261203000000_audit_filters', auditFilters],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
