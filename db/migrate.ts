import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../config/logger.js';
import { createDb, ensureDatabase, type Db } from './client.js';
import { migrationSource } from './migrations/index.js';

/** Brings the schema up to date; concurrent callers wait on knex's migration lock. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** What the `release` process does (and `npm start` before it runs anything): create the database if missing, then migrate. */
export async function release(database: Config['database'], logger: Logger): Promise<string[]> {
  await ensureDatabase(database.url);
  const db = createDb(database, logger);
  try {
    const applied = await migrateLatest(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
    return applied;
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  await release(config.database, createLogger(config.logLevel).child({ module: 'migrate' }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    createLogger('error').fatal({ err: error }, 'migration failed');
    process.exit(1);
  });
}
