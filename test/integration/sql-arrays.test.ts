import { expect } from 'chai';
import fc from 'fast-check';
import { query } from '../../db/sql.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * `query` writes array parameters as PostgreSQL array literals itself, quoting only elements that need it
 * (db/sql.ts, `arrayLiteral`): whatever the strings, PostgreSQL must read back exactly the array that was sent.
 */
describe('array parameters (real PostgreSQL)', function () {
  this.timeout(60_000);
  let testDb: TestDb;
  before(async () => {
    testDb = await createTestDb();
  });
  after(async () => testDb.drop());

  const roundTrip = async <T>(type: string, values: (T | null)[]) => (await query<{ back: (T | null)[] }>(testDb.db,
    `SELECT coalesce(array_agg(x ORDER BY n), '{}') AS back FROM unnest(?::${type}[]) WITH ORDINALITY AS t(x, n)`, [values as never]))[0]!.back;

  it('reads back every string as sent: quotes, backslashes, braces, commas, spaces, NULL spelt out, empty, any script', async () => {
    const tricky = ['', ' ', 'NULL', 'null', 'Null', 'a,b', '{x}', 'say "hi"', 'back\\slash', '\\"', ' lead', 'trail ', 'tab\there',
      'line\nbreak', 'O\'Brien', 'new-1@people.dev', '+4915112345678', 'x:y.z', 'Zoë', '日本', '🙂', 'a}b{c'];
    expect(await roundTrip('text', tricky)).to.deep.equal(tricky);
    // PostgreSQL stores neither NUL nor a lone surrogate (envelopes never carry them: connectors/envelope.ts).
    const storable = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    await fc.assert(fc.asyncProperty(fc.array(fc.option(storable, { nil: null }), { maxLength: 20 }), async (values) => {
      expect(await roundTrip('text', values)).to.deep.equal(values);
    }), { numRuns: 200 });
  });

  it('reads back uuids, numbers, booleans, timestamps and nulls as sent', async () => {
    const uuid = '0b9e3c0e-2f4a-4c1e-9d3b-6a7f1e2d3c4b';
    expect(await roundTrip('uuid', [uuid, null])).to.deep.equal([uuid, null]);
    expect(await roundTrip('int', [0, -1, 2_147_483_647, null])).to.deep.equal([0, -1, 2_147_483_647, null]);
    expect(await roundTrip('float8', [0.5, -1e-9, null])).to.deep.equal([0.5, -1e-9, null]);
    expect(await roundTrip('bool', [true, false, null])).to.deep.equal([true, false, null]);
    const times = [new Date('2026-01-02T03:04:05.678Z'), new Date(0), null];
    expect(await roundTrip('timestamptz', times)).to.deep.equal(times);
  });

  it('refuses an array with a hole (undefined) instead of sending NULL for it', async () => {
    const error = await roundTrip('text', ['a', undefined as unknown as string]).then(() => undefined, (caught: unknown) => caught);
    expect(String(error)).to.match(/undefined at index 1/);
  });
});
