import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../../db/client.js';
import { migrateLatest } from '../../db/migrate.js';

/**
 * The server tests make their databases on: TEST_DATABASE_SERVER, which the global setup (test/setup.ts) sets to
 * the local server or to an embedded one it started. Read when called: test files load before the setup runs.
 */
export function testDatabaseServer(): string {
  return process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
}

export interface TestDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test suite, on `server` (the tests' server by default). */
export async function createTestDb(server = testDatabaseServer()): Promise<TestDb> {
  const name = `tributary_test_${randomBytes(5).toString('hex')}`;
  const url = `${server}/${name}`;
  await ensureDatabase(url);
  const db = createDb({ url, poolMax: 10 });
  await migrateLatest(db);
  return {
    db,
    url,
    async drop() {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}
