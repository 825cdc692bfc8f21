import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../config/logger.js';

export type Db = Knex;

// Keep `timestamptz` as Date and `bigint` counters as numbers (they stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** A knex instance; its own warnings (lost connections, pool errors) go to `logger` rather than the console. */
export function createDb(config: { url: string; poolMax: number }, logger?: Logger): Db {
  const log = logger?.child({ module: 'db' });
  return knexFactory({
    log: {
      warn: (message: unknown) => log?.warn({ detail: String(message) }, 'database warning'),
      error: (message: unknown) => log?.error({ detail: String(message) }, 'database error'),
      deprecate: (message: unknown) => log?.debug({ detail: String(message) }, 'knex deprecation'),
      debug: (message: unknown) => log?.debug({ detail: String(message) }, 'knex debug'),
    },
    client: 'pg',
    connection: { connectionString: config.url, application_name: 'tributary' },
    pool: { min: 0, max: config.poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** Creates the database named in the URL when it is missing (the server must already run). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, async (client) => {
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } catch (error) {
      // Two processes starting at once may race to create it; the loser finds it there.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  });
}

/** Drops the database named in the URL, disconnecting its sessions (tests and benchmarks clean up with it). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

/** A connection to the server's `postgres` database, for statements that cannot run inside the target. */
async function withMaintenanceClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
