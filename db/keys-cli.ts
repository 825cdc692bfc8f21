/**
 * `npm run keys -- create --role owner [--name "Ops laptop"]`, `npm run keys -- list`,
 * `npm run keys -- revoke <id>`: API keys for the admin API, managed from a shell on the server.
 * The key is printed once, on stdout only; the database keeps its hash.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { createDb, ensureDatabase } from './client.js';
import { migrateLatest } from './migrate.js';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from './repositories/api-keys.js';

const USAGE = 'usage: npm run keys -- create --role owner|manager|agent [--name NAME] | list | revoke ID';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' } } });
  const [command, id] = positionals;
  const config = loadConfig();
  await ensureDatabase(config.database.url);
  const db = createDb(config.database);
  try {
    await migrateLatest(db);
    if (command === 'create') {
      if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const key = await createApiKey(db, { role: values.role as Role, name: values.name ?? `${values.role} key (CLI)` });
      process.stderr.write(`created ${key.role} key ${key.id} (${key.name}); it is shown once:\n`);
      process.stdout.write(`${key.key}\n`);
    } else if (command === 'list') {
      for (const key of await listApiKeys(db)) {
        process.stdout.write(`${key.id}  ${key.role.padEnd(7)}  ${key.revokedAt ? 'revoked' : 'active '}  ${key.name}\n`);
      }
    } else if (command === 'revoke' && id) {
      await revokeApiKey(db, id, new Date());
      process.stderr.write(`revoked ${id}\n`);
    } else {
      throw new UsageError(USAGE);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
