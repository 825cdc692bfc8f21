import type { Knex } from 'knex';
import type { PointKind } from '../../identity/channels.js';
import { query, withCtes, type Cte } from '../sql.js';

export interface BusinessAddress {
  kind: PointKind;
  /** A lowercased email address or an E.164 number. */
  value: string;
  /** `account`: an envelope arrived on it; `config`: listed in the configuration. */
  source: 'account' | 'config';
}

/**
 * Remembers the given addresses as the business's own and returns every one known, in one round trip: the
 * table is small (a business has few mailboxes and numbers) and read once per batch, so an address learnt by
 * one resolver is known to all from their next batch.
 */
export async function recordBusinessAddresses(db: Knex, addresses: BusinessAddress[]): Promise<Set<string>> {
  const { text, params } = withCtes('business.addresses', [learntAddressesCte(addresses)]);
  const [row] = await query<{ known: string[] }>(db, text, params);
  return new Set(row!.known);
}

/**
 * Records the addresses, as a part of a statement; it returns `known`, every address known then, those learnt
 * just now included (a part's rows are not in the table's snapshot).
 */
export function learntAddressesCte(addresses: BusinessAddress[]): Cte {
  return {
    name: 'learnt',
    text: `INSERT INTO business_addresses (value, kind, source)
       SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) ON CONFLICT DO NOTHING RETURNING value`,
    params: [addresses.map((a) => a.value), addresses.map((a) => a.kind), addresses.map((a) => a.source)],
    returns: { column: 'known',
      sql: "(SELECT coalesce(array_agg(value), '{}') FROM (SELECT value FROM business_addresses UNION SELECT value FROM learnt) known)" },
  };
}
