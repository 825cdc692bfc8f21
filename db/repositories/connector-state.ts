import type { Knex } from 'knex';
import { query } from '../sql.js';

/** A stream connector's own state, one JSON value per key, scoped to the connector and its account. */
export function connectorStateStore(db: Knex, connector: string, account: string) {
  return {
    async get(key: string): Promise<unknown> {
      const [row] = await query<{ value: unknown }>(db,
        'SELECT value FROM connector_state WHERE connector = ? AND account = ? AND key = ?', [connector, account, key]);
      return row?.value;
    },
    async getMany(keys: readonly string[]): Promise<Map<string, unknown>> {
      if (keys.length === 0) return new Map();
      const rows = await query<{ key: string; value: unknown }>(db,
        'SELECT key, value FROM connector_state WHERE connector = ? AND account = ? AND key = ANY(?::text[])', [connector, account, [...keys]]);
      return new Map(rows.map((row) => [row.key, row.value]));
    },
    async set(entries: Readonly<Record<string, unknown>>): Promise<void> {
      const written = Object.entries(entries).filter(([, value]) => value !== null && value !== undefined);
      const removed = Object.entries(entries).filter(([, value]) => value === null || value === undefined).map(([key]) => key);
      await db.transaction(async (trx) => {
        if (written.length > 0) {
          await query(trx,
            `INSERT INTO connector_state (connector, account, key, value, updated_at)
             SELECT ?, ?, e.key, e.value, now() FROM unnest(?::text[], ?::jsonb[]) AS e(key, value)
             ON CONFLICT (connector, account, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
            [connector, account, written.map(([key]) => key), written.map(([, value]) => JSON.stringify(value))]);
        }
        if (removed.length > 0) {
          await query(trx, 'DELETE FROM connector_state WHERE connector = ? AND account = ? AND key = ANY(?::text[])',
            [connector, account, removed]);
        }
      });
    },
    async clear(prefix: string): Promise<void> {
      await query(db, "DELETE FROM connector_state WHERE connector = ? AND account = ? AND starts_with(key, ?)", [connector, account, prefix]);
    },
  };
}
