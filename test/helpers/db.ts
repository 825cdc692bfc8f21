import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../../db/client.js';
import { migrateLatest } from '../../db/migrate.js';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test suite. */
export async function createTestDb(): Promise<TestDb> {
  const name = `tributary_test_${randomBytes(5).toString('hex')}`;
  const url = `${SERVER}/${name}`;
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
