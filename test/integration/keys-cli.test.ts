import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { findApiKey } from '../../db/repositories/api-keys.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const run = promisify(execFile);

describe('API keys CLI (`npm run keys`)', () => {
  let testDb: TestDb;
  before(async () => { testDb = await createTestDb(); });
  after(async () => testDb.drop());

  const keys = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'db/keys-cli.ts', ...args],
    { env: { ...process.env, DATABASE_URL: testDb.url, LOG_LEVEL: 'silent' } });

  it('creates a key with a role, prints it once and stores only its hash', async () => {
    const { stdout } = await keys('create', '--role', 'owner', '--name', 'Ops');
    const key = stdout.trim();
    expect(await findApiKey(testDb.db, key)).to.include({ role: 'owner', name: 'Ops' });
    const stored = await testDb.db('api_keys').select('key_hash');
    expect(JSON.stringify(stored)).not.to.include(key);
  });

  it('refuses an unknown role with a usage message', async () => {
    const failure = await keys('create', '--role', 'admin').catch((error: { code: number; stderr: string }) => error);
    expect(failure).to.include({ code: 2 });
    expect((failure as { stderr: string }).stderr).to.match(/--role must be one of owner, manager, agent/);
  });
});
