import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type pg from 'pg';
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
    async list(prefix: string): Promise<Map<string, unknown>> {
      const rows = await query<{ key: string; value: unknown }>(db,
        'SELECT key, value FROM connector_state WHERE connector = ? AND account = ? AND starts_with(key, ?) ORDER BY key',
        [connector, account, prefix]);
      return new Map(rows.map((row) => [row.key, row.value]));
    },
    async clear(prefix: string): Promise<void> {
      await query(db, "DELETE FROM connector_state WHERE connector = ? AND account = ? AND starts_with(key, ?)", [connector, account, prefix]);
    },
    lock: (options: LockOptions) => holdLock(db, connector, account, options),
  };
}

export interface LockOptions {
  signal: AbortSignal;
  /** Called once, when another process holds the lock, with who that is. */
  waiting(holder: string): void;
  /** How often to try again while another process holds it. */
  retryMs?: number;
}

export interface HeldLock {
  /** Rejects if the connection holding the lock fails: from then on another process may take it. */
  lost: Promise<never>;
  release(): Promise<void>;
}

/**
 * A session-level advisory lock on (connector, account), held on a connection of its own for as long as the
 * connector runs: two processes never run the same account at once. The second one waits, says who holds it,
 * and takes over when the first stops or dies (PostgreSQL releases the lock with the session).
 */
async function holdLock(db: Knex, connector: string, account: string, options: LockOptions): Promise<HeldLock> {
  const name = `${connector}/${account}`;
  const connection = await db.client.acquireConnection() as pg.Client;
  let held = false;
  try {
    await connection.query("SELECT set_config('application_name', $1, false)",
      [`tributary ${connector} ${account} on ${hostname()} pid ${process.pid}`.slice(0, 63)]);
    let told = false;
    while (!held) {
      options.signal.throwIfAborted();
      const { rows } = await connection.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS held', ['tributary.connector', name]);
      held = rows[0]!.held;
      if (held) break;
      if (!told) {
        told = true;
        options.waiting(await holderOf(connection, name));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.retryMs ?? 2_000);
        options.signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  } catch (error) {
    await db.client.releaseConnection(connection);
    throw error;
  }
  const lost = new Promise<never>((_, fail) => {
    const failed = (error?: Error) => fail(new Error(`lost the connection holding the lock on ${name}`, { cause: error }));
    connection.once('error', failed);
    connection.once('end', () => failed());
  });
  lost.catch(() => undefined);
  return {
    lost,
    async release() {
      connection.removeAllListeners('end');
      try {
        await connection.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', ['tributary.connector', name]);
        await connection.query("SELECT set_config('application_name', 'tributary', false)");
        await db.client.releaseConnection(connection);
      } catch {
        // A broken connection: its session, and the lock with it, is gone; the pool discards it.
        await Promise.resolve(db.client.releaseConnection(connection)).catch(() => undefined);
      }
    },
  };
}

/** Who holds the lock, as PostgreSQL knows them: the application name the holder set and since when. */
async function holderOf(connection: pg.Client, name: string): Promise<string> {
  const { rows } = await connection.query<{ application_name: string; backend_start: Date }>(
    `SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = hashtext($1)::oid AND l.objid = hashtext($2)::oid AND l.objsubid = 2`,
    ['tributary.connector', name]);
  const holder = rows[0];
  return holder ? `${holder.application_name || 'another session'} (connected ${holder.backend_start.toISOString()})` : 'another session';
}

/** One key's value for every connector and account that has it (each stream connector's `status`), oldest account first. */
export async function listConnectorValues(db: Knex, key: string): Promise<{ connector: string; account: string; value: unknown; updatedAt: Date }[]> {
  const rows = await query<{ connector: string; account: string; value: unknown; updated_at: Date }>(db,
    'SELECT connector, account, value, updated_at FROM connector_state WHERE key = ? ORDER BY connector, account', [key]);
  return rows.map((row) => ({ connector: row.connector, account: row.account, value: row.value, updatedAt: row.updated_at }));
}
