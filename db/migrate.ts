import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { createDb, ensureDatabase, type Db } from './client.js';
import { migrationSource } from './migrations/index.js';

/** Brings the schema up to date; concurrent callers wait on knex's migration lock. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** The `release` process: create the database if missing, then migrate. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ module: 'migrate' });
  await ensureDatabase(config.database.url);
  const db = createDb(config.database);
  try {
    const applied = await migrateLatest(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    createLogger('error').fatal({ err: error }, 'migration failed');
    process.exit(1);
  });
}
