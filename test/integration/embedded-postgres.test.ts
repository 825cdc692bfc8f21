import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { createDb } from '../../db/client.js';
import { query } from '../../db/sql.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';
import { localPostgres, LocalPostgresError, startEmbeddedPostgres, type LocalPostgres } from '../../scripts/postgres/local-postgres.js';
import { startHarness } from '../helpers/harness.js';

/** The embedded PostgreSQL that `npm start` and `npm test` fall back to (issue 17), never touching the system server. */
describe('an embedded PostgreSQL when none is reachable', function () {
  this.timeout(120_000);
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'tributary-embedded-test-'));
    chmodSync(home, 0o755); // as root, PostgreSQL runs as user postgres, which must reach the data directories
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('starts on a random port, migrates, resolves a message end to end, and after a restart still has the contact', async () => {
    const dataDir = join(home, 'kept');
    let postgres: LocalPostgres = await startEmbeddedPostgres({ dataDir });
    let contactId: string;
    let databaseUrl: string;
    try {
      expect(postgres.server).to.match(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+$/);
      expect(postgres.server).not.to.match(/:5432$/);
      const harness = await startHarness({ databaseServer: postgres.server });
      try {
        databaseUrl = harness.testDb.url;
        const resolved = await harness.read('resolved');
        await harness.startResolver();
        expect((await harness.post('/v1/messages', { id: 'embedded-1', account: 'acme-app', sender: { id: 'u-1', name: 'Ada' }, text: 'hi' })).status)
          .to.equal(202);
        const [record] = await resolved.waitForCount<ResolvedEnvelope>(1, 60_000);
        expect(record!.contact).to.include({ displayName: 'Ada', isNew: true });
        contactId = record!.contact.id;
        const [row] = await query<{ server_version: string }>(harness.testDb.db, 'SHOW server_version', []);
        expect(row!.server_version).to.match(/^18\./);
      } finally {
        // Keep the database (close drops it otherwise): the point is to find it again after the restart.
        harness.testDb.drop = () => harness.testDb.db.destroy();
        await harness.close();
      }
    } finally {
      await postgres.stop();
    }

    postgres = await startEmbeddedPostgres({ dataDir });
    try {
      const db = createDb({ url: databaseUrl!.replace(/^postgres:\/\/[^/]+/, postgres.server), poolMax: 1 });
      try {
        const rows = await query<{ id: string; display_name: string }>(db, 'SELECT id, display_name FROM contacts', []);
        expect(rows).to.deep.equal([{ id: contactId!, display_name: 'Ada' }]);
      } finally {
        await db.destroy();
      }
    } finally {
      await postgres.stop();
    }
  });

  it('is what localPostgres gives when nothing answers where it looks, and is thrown away when it had no data directory', async () => {
    const postgres = await localPostgres({ probe: `127.0.0.1:${await freePort()}` });
    try {
      expect(postgres.description).to.match(/^an embedded PostgreSQL 18 on 127\.0\.0\.1:\d+, data in .* \(thrown away at exit\)$/);
    } finally {
      await postgres.stop();
    }
  });

  describe('says in a sentence what to do when it cannot start', () => {
    const refused = async (options: Parameters<typeof startEmbeddedPostgres>[0], message: RegExp) => {
      const error = await startEmbeddedPostgres(options).then((started) => started.stop(), (e: unknown) => e);
      expect(error).to.be.instanceOf(LocalPostgresError);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).not.to.match(/\n\s+at /); // no stack trace in the sentence
    };

    it('a data directory written by another major version', async () => {
      const dataDir = join(home, 'old');
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'PG_VERSION'), '16\n');
      await refused({ dataDir }, /written by PostgreSQL 16 .* cannot read it: move the directory aside .* or set DATABASE_URL to a PostgreSQL 16 server/);
    });

    it('a port that is taken', async () => {
      const port = await freePort();
      const squatter: Server = await new Promise((listening) => { const s = createServer().listen(port, '127.0.0.1', () => listening(s)); });
      try {
        await refused({ dataDir: join(home, 'port'), port }, new RegExp(`port ${port} is taken.*set LOCAL_POSTGRES_PORT`));
      } finally {
        squatter.close();
      }
    });

    it('a data directory it cannot create (a file in the way, a read-only place)', async () => {
      const file = join(home, 'a-file');
      writeFileSync(file, 'not a directory');
      await refused({ dataDir: file }, /is a file, not a directory/);
      await refused({ dataDir: join(file, 'below') }, /cannot create .* set LOCAL_POSTGRES_DIR to a writable directory/);
      await refused({ dataDir: '/sys/tributary-postgres' }, /cannot create \/sys\/tributary-postgres .*LOCAL_POSTGRES_DIR/);
    });

    it('as root, a data directory the postgres user cannot reach', async function () {
      if (userInfo().uid !== 0) this.skip();
      const private_ = join(home, 'private');
      mkdirSync(private_, { mode: 0o700 });
      await refused({ dataDir: join(private_, 'data') }, new RegExp(`runs as user postgres .* cannot reach its data directory under ${private_}: run chmod o\\+x`));
    });
  });
});
