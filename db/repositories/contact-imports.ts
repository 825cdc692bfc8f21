import type { Knex } from 'knex';
import { query } from '../sql.js';

/** A contact people entered in bulk (a CSV import): every field it will have, checked already. */
export interface EnteredContact {
  id: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  assignee: string | null;
  lifecycleStage: string;
  emailSubscription: string;
  customFields: Record<string, unknown>;
}

const TEXT_COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'country', 'language', 'timezone', 'assignee',
  'lifecycle_stage', 'email_subscription'] as const;

/** Creates many contacts in one statement. */
export async function insertEnteredContacts(trx: Knex.Transaction, contacts: EnteredContact[], at: Date): Promise<void> {
  if (contacts.length === 0) return;
  const column = (pick: (c: EnteredContact) => string | null) => contacts.map(pick);
  await query(trx,
    `INSERT INTO contacts (id, display_name, name_generated, ${TEXT_COLUMNS.join(', ')}, custom_fields, created_at, updated_at)
     SELECT c.id, c.display_name, false, ${TEXT_COLUMNS.map((name) => `c.${name}`).join(', ')}, c.custom_fields, ?::timestamptz, ?::timestamptz
       FROM unnest(?::uuid[], ?::text[], ${TEXT_COLUMNS.map(() => '?::text[]').join(', ')}, ?::jsonb[])
         AS c(id, display_name, ${TEXT_COLUMNS.join(', ')}, custom_fields)`,
    [at, at, column((c) => c.id), column((c) => c.displayName), column((c) => c.firstName), column((c) => c.lastName),
      column((c) => c.email), column((c) => c.phone), column((c) => c.country), column((c) => c.language),
      column((c) => c.timezone), column((c) => c.assignee), column((c) => c.lifecycleStage), column((c) => c.emailSubscription),
      column((c) => JSON.stringify(c.customFields))]);
}
