import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createDb } from '../../db/client.js';
import { openBatch, writeBatch } from '../../db/repositories/batch.js';
import { contactSummaries, lockContactStates } from '../../db/repositories/contacts.js';
import { findIdentities } from '../../db/repositories/identities.js';
import { analyzeGrownTables, HOT_TABLES, pruneLedger } from '../../db/repositories/maintenance.js';
import { addPointsAndFlagDuplicates } from '../../db/repositories/suggestions.js';
import { query } from '../../db/sql.js';
import { resolveBatch } from '../../resolvers/identity/resolve.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { envelope } from '../helpers/envelopes.js';
import { waitFor } from '../helpers/wait-for.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Every table a plan reads by scanning it whole. */
function sequentialScans(node: PlanNode): string[] {
  return [...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name']!] : []), ...(node.Plans ?? []).flatMap(sequentialScans)];
}

/**
 * The resolver's statements are planned as index look-ups even when PostgreSQL's statistics say the tables are
 * empty, as they do during a drain that outgrew the last ANALYZE (here: autovacuum is off and nothing ANALYZEd
 * 12,000 contacts in). Before, the ledger, identity and duplicate look-ups hash-joined whole tables per batch.
 */
describe('the resolver\'s statements on stale statistics (real PostgreSQL)', function () {
  this.timeout(120_000);
  let testDb: TestDb;
  let envelopeIds: string[];
  let contactIds: string[];

  before(async () => {
    testDb = await createTestDb();
    for (const table of HOT_TABLES) await testDb.db.raw('ALTER TABLE ?? SET (autovacuum_enabled = false)', [table]);
    const envelopes = Array.from({ length: 12_000 }, (_, i) => envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a',
      id: `person-${i}`, profile: { name: `Person ${i}`, email: `person-${i}@people.dev` } }));
    for (let start = 0; start < envelopes.length; start += 2_000) {
      await resolveBatch(testDb.db, envelopes.slice(start, start + 2_000).map((value, i) => ({ envelope: value,
        source: { topic: 'in', partition: 0, offset: String(start + i) } })), new Date());
    }
    envelopeIds = envelopes.slice(0, 1_000).map((value) => value.id);
    contactIds = (await query<{ id: string }>(testDb.db, 'SELECT id FROM contacts ORDER BY id LIMIT 1000', [])).map((row) => row.id);
    const [stats] = await query<{ analyzed: number }>(testDb.db,
      "SELECT count(*)::int AS analyzed FROM pg_stat_user_tables WHERE relname = 'contacts' AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)", []);
    expect(stats!.analyzed, 'the statistics are stale').to.equal(0);
  });
  after(async () => testDb.drop());

  /**
   * The plans of the statement named `name` that `work` issues: as planned for these values, and the generic plan
   * a prepared statement settles on after five runs (the resolver prepares its statements), forced here with
   * `plan_cache_mode`. It runs inside a transaction that is rolled back.
   */
  async function plansOf(name: string, work: (trx: Knex.Transaction) => Promise<unknown>): Promise<PlanNode[]> {
    const plans: PlanNode[] = [];
    await testDb.db.transaction(async (trx) => {
      const explain = async (sql: string, params: Knex.RawBinding[]) => {
        const planOfRows = (rows: Record<string, unknown>[]) => (rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
        plans.push(planOfRows((await trx.raw(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows));
        // EXPLAIN EXECUTE takes no bound parameters: its arguments are written out as literals.
        const native = trx.raw(sql, params).toSQL().toNative();
        const execute = trx.raw(`EXECUTE plan_probe(${native.bindings.map(() => '?').join(', ')})`, native.bindings as Knex.RawBinding[]).toString();
        await trx.raw('SET LOCAL plan_cache_mode = force_generic_plan');
        await trx.raw(`PREPARE plan_probe AS ${native.sql}`);
        try {
          plans.push(planOfRows((await trx.raw(`EXPLAIN (FORMAT JSON) ${execute}`)).rows));
        } finally {
          await trx.raw('DEALLOCATE plan_probe');
        }
        return { rows: [] };
      };
      const explaining = new Proxy(trx, {
        get(target, property, receiver) {
          if (property !== 'raw') return Reflect.get(target, property, receiver);
          return (sql: string, params: Knex.RawBinding[]) => {
            if (!sql.startsWith(`/* ${name} */`)) return target.raw(sql, params);
            const explained = explain(sql, params);
            return Object.assign(explained, { options: () => explained });
          };
        },
      });
      await work(explaining);
      await trx.rollback();
    }).catch(() => undefined);
    if (plans.length < 2) throw new Error(`${name} was not issued`);
    return plans;
  }

  const keys = () => Array.from({ length: 1_000 }, (_, i) => ({ kind: 'api_user' as const, scope: 'a', value: `person-${i * 7}`, matchable: true }));
  const cases: [string, (trx: Knex.Transaction) => Promise<unknown>][] = [
    // The ledger look-up and the business's addresses: one statement, the first of a batch.
    ['batch.open', (trx) => openBatch(trx, envelopeIds, [{ kind: 'email', value: 'support@acme.test', source: 'account' }])],
    ['identities.find', (trx) => findIdentities(trx, keys())],
    ['contacts.lock', (trx) => lockContactStates(trx, contactIds)],
    ['contacts.summaries', (trx) => contactSummaries(trx, contactIds)],
    // Contact fields, interaction counters, points and the ledger: one statement.
    ['batch.write', (trx) => writeBatch(trx, { updates: contactIds.map((id) => ({ id, lastInboundAt: new Date(), country: 'DE' })),
      interactions: contactIds.map((contactId) => ({ identityId: randomUUID(), contactId, firstAt: new Date(), lastAt: new Date(),
        count: 1, lastChannel: 'api' })), drops: contactIds.slice(0, 10).map((contactId) => ({ contactId, count: 1, lastAt: new Date() })),
      points: contactIds.slice(0, 200).map((contactId, i) => ({ contactId, kind: 'email' as const, value: `person-${i + 5000}@people.dev`,
        source: 'profile' as const, envelopeId: null })),
      processed: envelopeIds.map((envelopeId, i) => ({ envelopeId, contactId: contactIds[i]!, isNew: false, outcome: 'resolved' as const,
        source: { topic: 'in', partition: 0, offset: String(i) } })) }, new Date())],
    // Another contact's address on each of 200 contacts: the flagging statement looks every value up.
    ['suggestions.flag', (trx) => addPointsAndFlagDuplicates(trx, contactIds.slice(0, 200).map((contactId, i) => ({ contactId,
      kind: 'email' as const, value: `person-${i + 5000}@people.dev`, source: 'profile' as const, envelopeId: null })), new Date())],
  ];
  for (const [name, work] of cases) {
    it(`${name} reads by index, never a whole table the resolver grows`, async () => {
      // (`duplicate_dismissals` holds the pairs people dismissed: small, and scanned whole when it is.)
      const [custom, generic] = await plansOf(name, work);
      const hot = (plan: PlanNode) => sequentialScans(plan).filter((table) => (HOT_TABLES as readonly string[]).includes(table));
      expect(hot(custom!), 'planned for these values').to.deep.equal([]);
      expect(hot(generic!), 'the generic plan of the prepared statement').to.deep.equal([]);
    });
  }

  it('the resolver\'s statements are prepared once per connection and run again by name', async () => {
    await testDb.db.transaction(async (trx) => {
      const runsOf = async (name: string) => (await query<{ runs: number }>(trx, `SELECT generic_plans + custom_plans AS runs
        FROM pg_prepared_statements WHERE statement LIKE '/* ${name} */%'`, [])).map((row) => Number(row.runs));
      const [before = 0] = await runsOf('batch.open');
      for (let run = 0; run < 3; run++) await openBatch(trx, envelopeIds.slice(0, 10), []);
      expect(await runsOf('batch.open'), 'one prepared statement, run three times more').to.deep.equal([before + 3]);
      await trx.rollback();
    }).catch((error: unknown) => {
      if (!(error instanceof Error && error.message.includes('Transaction rejected'))) throw error;
    });
  });

  it('the resolver\'s maintenance ANALYZEs the tables that grew, not those only updated, and prunes the ledger to its retention', async () => {
    // A backend reports its row counts to the statistics up to seconds later, and at once when it exits: close the
    // pool the statements above ran on, and wait until its backends are gone, so the counts hold still.
    await testDb.db.destroy();
    const db = createDb({ url: testDb.url, poolMax: 1 });
    try {
      await waitFor(async () => (await query<{ n: number }>(db,
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()', []))[0]!.n === 0,
      { what: 'the other backends to exit' });
      expect(await analyzeGrownTables(db)).to.include.members(['contacts', 'contact_identities', 'processed_envelopes']);
      expect(await analyzeGrownTables(db), 'nothing changed since').to.deep.equal([]);
      // Rows that changed in place leave the planner's row counts true: their drift is autovacuum's to follow, at
      // its pace, not an ANALYZE every few seconds of a busy table.
      await db('contacts').whereIn('id', (await db('contacts').select('id').limit(2_000)).map((row: { id: string }) => row.id))
        .update({ updated_at: new Date() });
      await db.raw('SELECT pg_stat_force_next_flush()');
      expect((await query<{ changed: number }>(db, "SELECT n_mod_since_analyze::int AS changed FROM pg_stat_user_tables WHERE relname = 'contacts'", []))[0]!.changed,
        'the updates are counted').to.be.at.least(2_000);
      expect(await analyzeGrownTables(db), 'after updates in place').to.deep.equal([]);
      await db('processed_envelopes').whereIn('envelope_id', envelopeIds.slice(0, 10)).update({ processed_at: new Date('2020-01-01') });
      expect(await pruneLedger(db, new Date('2021-01-01'), 3)).to.equal(10);
      const { ledger: left } = await db.transaction((trx) => openBatch(trx, envelopeIds.slice(0, 12), []));
      expect(left.size).to.equal(2);
    } finally {
      await db.destroy();
    }
  });
});

/**
 * A prepared statement keeps the plan it made until its tables are next ANALYZEd: planned while contact points
 * were few, the duplicate look-up scanned the whole table for every new email (25 scans a batch of 50, 4.8 of
 * 15 ms at 2,000 points, and growing with the table until the next ANALYZE). The resolver's transaction prices
 * scans out. Seen here as PostgreSQL ran them: auto_explain sends each plan to the client as a notice.
 */
describe('the resolver\'s statements as a table grows from empty (real PostgreSQL)', function () {
  this.timeout(120_000);
  let testDb: TestDb;

  before(async () => {
    testDb = await createTestDb();
    for (const table of HOT_TABLES) await testDb.db.raw('ALTER TABLE ?? SET (autovacuum_enabled = false)', [table]);
    await testDb.db.raw('ANALYZE');
  });
  after(async () => testDb.drop());

  it('suggestions.flag looks each new point up by index, not by scanning contact_points', async () => {
    const db = createDb({ url: testDb.url, poolMax: 1 });
    const plans: PlanNode[] = [];
    try {
      const connection = await db.client.acquireConnection() as import('pg').ClientBase;
      connection.on('notice', (notice: { message?: string }) => {
        const text = notice.message ?? '';
        if (!text.includes('/* suggestions.flag */')) return;
        plans.push((JSON.parse(text.slice(text.indexOf('{'))) as { Plan: PlanNode }).Plan);
      });
      await connection.query("LOAD 'auto_explain'");
      await connection.query("SET auto_explain.log_min_duration = 0; SET auto_explain.log_format = 'json'; SET auto_explain.log_level = 'notice'");
      await db.client.releaseConnection(connection);
      for (let batch = 0; batch < 60; batch++) {
        const envelopes = Array.from({ length: 50 }, (_, i) => envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a',
          id: `grower-${batch}-${i}`, profile: { email: `grower-${batch}-${i}@people.dev` } }));
        await resolveBatch(db, envelopes.map((value, i) => ({ envelope: value, source: { topic: 'in', partition: 0, offset: String(batch * 50 + i) } })),
          new Date());
      }
    } finally {
      await db.destroy();
    }
    expect(plans.length, 'one plan a batch').to.equal(60);
    // From the sixth run on, the statement runs the generic plan it made while the table held a few hundred points.
    expect(plans.slice(10).flatMap(sequentialScans).filter((table) => table === 'contact_points')).to.deep.equal([]);
  });
});
