import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

export type Db = Knex;

// Keep `timestamptz` as Date and `bigint` counters as numbers (they stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export function createDb(config: { url: string; poolMax: number }): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: config.url, application_name: 'tributary' },
    pool: { min: 0, max: config.poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** Creates the database named in the URL when it is missing (the server must already run). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    // Two processes starting at once may race to create it; the loser finds it there.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
