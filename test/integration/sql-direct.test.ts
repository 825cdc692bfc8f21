import { expect } from 'chai';
import { createDb, type Db } from '../../db/client.js';
import { describeDbError, isRetriableDbError } from '../../db/errors.js';
import { DirectTransaction, onStatement, query, statementName } from '../../db/sql.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * The resolver's transactions run on a connection from knex's pool with pg directly (db/sql.ts,
 * `DirectTransaction`): they must commit and roll back as knex's do, number placeholders as knex does, give
 * the connection back whatever happens, and let the pool drop one that broke.
 */
describe('direct transactions (real PostgreSQL)', function () {
  this.timeout(60_000);
  let testDb: TestDb;
  /** A second knex on the same database with a single connection: a connection not given back stalls it. */
  let single: Db;
  before(async () => {
    testDb = await createTestDb();
    single = createDb({ url: testDb.url, poolMax: 1 });
    await query(testDb.db, 'CREATE TABLE direct_rows (n int PRIMARY KEY)', []);
  });
  after(async () => {
    await single.destroy();
    await testDb.drop();
  });
  beforeEach(() => query(testDb.db, 'TRUNCATE direct_rows', []));

  const rows = async () => (await query<{ n: number }>(testDb.db, 'SELECT n FROM direct_rows ORDER BY n', [])).map((row) => row.n);
  const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error as Error);

  it('commits what its statements wrote and returns what the work returned', async () => {
    const returned = await DirectTransaction.run(testDb.db, async (trx) => {
      await query(trx, 'INSERT INTO direct_rows (n) VALUES (?), (?)', [1, 2]);
      return query<{ n: number }>(trx, 'SELECT count(*)::int AS n FROM direct_rows', []);
    });
    expect(returned).to.deep.equal([{ n: 2 }]);
    expect(await rows()).to.deep.equal([1, 2]);
  });

  it('rolls everything back when the work throws, and rethrows its error', async () => {
    const thrown = new Error('the work failed');
    const error = await failure(DirectTransaction.run(single, async (trx) => {
      await query(trx, 'INSERT INTO direct_rows (n) VALUES (?)', [1]);
      throw thrown;
    }));
    expect(error).to.equal(thrown);
    // On the same connection (the pool has one): a transaction left open would show its own row here.
    expect(await query(single, 'SELECT n FROM direct_rows', [])).to.deep.equal([]);
    expect(await rows()).to.deep.equal([]);
  });

  it('rolls back after a statement PostgreSQL refused, with its SQLSTATE, not retried', async () => {
    const error = await failure(DirectTransaction.run(testDb.db, async (trx) => {
      await query(trx, 'INSERT INTO direct_rows (n) VALUES (?)', [1]);
      await query(trx, 'INSERT INTO direct_rows (n) VALUES (?)', [1]);
    }));
    expect((error as { code?: string }).code).to.equal('23505');
    expect(isRetriableDbError(error)).to.equal(false);
    expect(describeDbError(error)).to.match(/^duplicate key value violates unique constraint .* \(SQLSTATE 23505\)$/);
    expect(await rows()).to.deep.equal([]);
  });

  it('gives its connection back to the pool after a commit, a rollback and a refused statement', async () => {
    for (let round = 0; round < 3; round++) {
      await DirectTransaction.run(single, (trx) => query(trx, 'SELECT 1', []));
      await failure(DirectTransaction.run(single, async () => { throw new Error('no'); }));
      await failure(DirectTransaction.run(single, (trx) => query(trx, 'SELECT nothing_here', [])));
    }
    // knex's own queries share the one connection: it would wait for an acquire timeout (10 s) if one were kept.
    expect(await query<{ ok: number }>(single, 'SELECT 1 AS ok', [])).to.deep.equal([{ ok: 1 }]);
  });

  it('reports a connection that broke as retriable, and the pool lends a working one next', async () => {
    const error = await failure(DirectTransaction.run(single, (trx) => query(trx, 'SELECT pg_terminate_backend(pg_backend_pid())', [])));
    expect(isRetriableDbError(error), String(error)).to.equal(true);
    expect(await DirectTransaction.run(single, (trx) => query<{ one: number }>(trx, 'SELECT 1 AS one', []))).to.deep.equal([{ one: 1 }]);
  });

  it('numbers placeholders as knex does: escaped \\? stays an operator, a named statement is reused with new values', async () => {
    const sql = "/* test.placeholders */ SELECT ?::int + ?::int AS sum, '{\"a\": 1}'::jsonb \\? ? AS has, ?::text AS text";
    const direct = (a: number, key: string) => DirectTransaction.run(testDb.db, (trx) => query(trx, sql, [a, 2, key, 'what?']));
    const viaKnex = (a: number, key: string) => testDb.db.transaction((trx) => query(trx, sql, [a, 2, key, 'what?']));
    expect(await direct(1, 'a')).to.deep.equal([{ sum: 3, has: true, text: 'what?' }]);
    expect(await direct(40, 'b')).to.deep.equal([{ sum: 42, has: false, text: 'what?' }]);
    expect(await direct(40, 'b')).to.deep.equal(await viaKnex(40, 'b'));
  });

  it('puts settings in force for its transaction only, and refuses a name that is not a setting\'s', async () => {
    const inside = await DirectTransaction.run(single, (trx) => query<{ value: string }>(trx, "SELECT current_setting('enable_seqscan') AS value", []),
      { enable_seqscan: 'off' });
    expect(inside).to.deep.equal([{ value: 'off' }]);
    expect(await query(single, "SELECT current_setting('enable_seqscan') AS value", []), 'on the same connection after it').to.deep.equal([{ value: 'on' }]);
    const refused = await failure(DirectTransaction.run(single, () => Promise.resolve(), { 'x = 1; DROP TABLE direct_rows; --': 'on' }));
    expect(refused.message).to.match(/not a setting's name/);
    expect(await rows()).to.deep.equal([]);
    expect(await query(single, 'SELECT 1 AS ok', [])).to.deep.equal([{ ok: 1 }]);
  });

  it('tells each listener on its database each statement it ran, BEGIN and COMMIT included, until it stops listening', async () => {
    const seen: string[] = [];
    const stop = onStatement(testDb.db, (text, ms) => {
      expect(ms).to.be.a('number').and.at.least(0);
      seen.push(text);
    });
    await DirectTransaction.run(testDb.db, (trx) => query(trx, '/* test.listened */ SELECT ?::int AS n', [1]));
    const alsoSeen: string[] = [];
    const stopToo = onStatement(testDb.db, (text) => void alsoSeen.push(statementName(text)));
    await DirectTransaction.run(testDb.db, (trx) => query(trx, 'SELECT 1', []));
    stop();
    await DirectTransaction.run(testDb.db, (trx) => query(trx, 'SELECT 2', []));
    stopToo();
    await DirectTransaction.run(testDb.db, (trx) => query(trx, 'SELECT 3', []));
    expect(seen).to.deep.equal(['BEGIN', '/* test.listened */ SELECT ?::int AS n', 'COMMIT', 'BEGIN', 'SELECT 1', 'COMMIT']);
    expect(alsoSeen, 'a second listener, by name').to.deep.equal(['BEGIN', 'SELECT', 'COMMIT', 'BEGIN', 'SELECT', 'COMMIT']);
    expect(statementName('/* batch.open */ WITH x AS (SELECT 1) SELECT 2')).to.equal('batch.open');
    expect(statementName('BEGIN; SET LOCAL enable_seqscan = \'off\'')).to.equal('BEGIN');
  });
});
