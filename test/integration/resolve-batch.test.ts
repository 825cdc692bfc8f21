import { expect } from 'chai';
import { ConcurrentDeliveryError, resolveBatch, type InboundItem } from '../../resolvers/identity/resolve.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { envelope } from '../helpers/envelopes.js';

/** The database half of exactly-once, without Kafka: what a resolver does when a batch comes back. */
describe('resolveBatch (real Postgres)', () => {
  let testDb: TestDb;
  beforeEach(async () => { testDb = await createTestDb(); });
  afterEach(async () => { await testDb.drop(); });

  const account = '+14155550100';
  const batch = (): InboundItem[] => [
    envelope({ channel: 'whatsapp', account, kind: 'whatsapp', id: '+4915123456789', profile: { name: 'Jo' } }),
    envelope({ channel: 'sms', account, kind: 'sms', id: '+4915123456789' }),
    envelope({ channel: 'sms', account, kind: 'sms', id: '+4915123456789' }),
  ].map((value, index) => ({ envelope: value, source: { topic: 'in', partition: 0, offset: String(index) } }));

  describe('when a committed batch is read again from the same offsets (a crash before the Kafka commit)', () => {
    it('returns the same records and events and counts nothing twice', async () => {
      const items = batch();
      const first = await resolveBatch(testDb.db, items, new Date());
      const again = await resolveBatch(testDb.db, items, new Date());
      expect(again.resolved.map((r) => r.contact)).to.deep.equal(first.resolved.map((r) => r.contact));
      expect(again.events.map((e) => e.suggestionId)).to.deep.equal(first.events.map((e) => e.suggestionId));
      expect(first.events).to.have.length(1);
      const counts = await testDb.db('interactions').orderBy('message_count').pluck('message_count');
      expect(counts).to.deep.equal([1, 2]);
    });
  });

  describe('when another partition\'s batch commits the same envelope id while this one is being resolved', () => {
    it('rolls back and asks to be run again, instead of publishing the id a second time', async () => {
      const [item] = batch();
      const other = await testDb.db.transaction();
      // The other resolver's batch has recorded the id and not committed yet: ours reads no ledger entry.
      await other('processed_envelopes').insert({ envelope_id: item!.envelope.id, contact_id: '00000000-0000-0000-0000-000000000001',
        is_new: true, outcome: 'resolved', source_topic: 'in', source_partition: 1, source_offset: 0 });
      const ours = resolveBatch(testDb.db, [item!], new Date());
      await new Promise((settle) => setTimeout(settle, 300));
      await other.commit();
      let failure: unknown;
      await ours.catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(ConcurrentDeliveryError);
      const again = await resolveBatch(testDb.db, [item!], new Date());
      expect(again).to.deep.include({ resolved: [], duplicates: 1 });
      expect(await testDb.db('contacts').count({ n: '*' })).to.deep.equal([{ n: 0 }]);
    });
  });

  describe('when the same envelope ids arrive again at other offsets (a provider retry)', () => {
    it('publishes nothing for them', async () => {
      const items = batch();
      await resolveBatch(testDb.db, items, new Date());
      const retried = await resolveBatch(testDb.db, items.map((item) => ({ ...item, source: { ...item.source, offset: `1${item.source.offset}` } })), new Date());
      expect(retried).to.deep.include({ resolved: [], events: [], duplicates: 3 });
    });
  });

  describe('when two transactions create the same new identity at once', () => {
    it('makes one contact; the unique index decides', async () => {
      const make = (offset: string) => [{ envelope: envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id: 'race' }),
        source: { topic: 'in', partition: 0, offset } }];
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => resolveBatch(testDb.db, make(String(i)), new Date())));
      expect(new Set(results.map((r) => r.resolved[0]!.contact.id)).size).to.equal(1);
      expect(results.filter((r) => r.resolved[0]!.contact.isNew)).to.have.length(1);
      expect(await testDb.db('contacts').count({ n: '*' })).to.deep.equal([{ n: 1 }]);
    });
  });

  describe('when one batch holds a WhatsApp user’s message with the phone and another with only the BSUID', () => {
    it('makes one contact holding both identities', async () => {
      const withPhone = envelope({ channel: 'whatsapp', account: 'pn-1', kind: 'whatsapp', id: '+972501234567', profile: { name: 'Dana' } });
      withPhone.sender.aliases = [{ kind: 'whatsapp_bsuid', id: 'US.777' }];
      const bsuidOnly = envelope({ channel: 'whatsapp', account: 'pn-1', kind: 'whatsapp_bsuid', id: 'US.777' });
      for (const order of [[bsuidOnly, withPhone], [withPhone, bsuidOnly]]) {
        await testDb.db.raw('TRUNCATE contacts, contact_identities, processed_envelopes CASCADE');
        const items = order.map((value, index) => ({ envelope: value, source: { topic: 'in', partition: 0, offset: String(index) } }));
        const { resolved } = await resolveBatch(testDb.db, items, new Date());
        expect(new Set(resolved.map((record) => record.contact.id)).size).to.equal(1);
        expect(resolved.map((record) => record.contact.isNew)).to.deep.equal([true, false]);
        expect(resolved[0]!.contact.displayName).to.equal('Dana');
        expect(await testDb.db('contact_identities').orderBy('kind').pluck('kind')).to.deep.equal(['whatsapp', 'whatsapp_bsuid']);
      }
    });
  });

  describe('when a new contact is created from a message', () => {
    it('records the message\'s arrival as its last interaction, not the time it was resolved', async () => {
      const value = envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id: 'timely' });
      value.receivedAt = '2026-01-02T03:04:05.000Z';
      const [record] = (await resolveBatch(testDb.db, [{ envelope: value, source: { topic: 'in', partition: 0, offset: '0' } }], new Date())).resolved;
      const contact = await testDb.db('contacts').where({ id: record!.contact.id }).first();
      expect(contact.last_interaction_at.toISOString()).to.equal('2026-01-02T03:04:05.000Z');
    });
  });

  describe('when a later message, within the minute, brings a field the contact lacks', () => {
    it('fills that field and keeps every field it has, without waiting for the last interaction to move', async () => {
      const at = Date.parse('2026-03-04T05:06:07.000Z');
      const message = (offset: number, profile: Record<string, string>) => {
        const value = envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id: 'filler', profile });
        value.receivedAt = new Date(at + offset * 5_000).toISOString();
        return [{ envelope: value, source: { topic: 'in', partition: 0, offset: String(offset) } }];
      };
      // The phone is stored and the email is empty; 5 and 10 s later the last interaction alone would not be written (to the minute).
      const [first] = (await resolveBatch(testDb.db, message(0, { phone: '+4915123456789', language: 'de' }), new Date())).resolved;
      await resolveBatch(testDb.db, message(1, { email: 'filler@people.dev', phone: '+4915199999999' }), new Date());
      await resolveBatch(testDb.db, message(2, { email: 'other@people.dev', timezone: 'Europe/Berlin' }), new Date());
      const contact = await testDb.db('contacts').where({ id: first!.contact.id }).first();
      expect(contact).to.include({ phone: '+4915123456789', email: 'filler@people.dev', language: 'de', timezone: 'Europe/Berlin' });
      // Written for the field, the row takes the newest arrival too.
      expect(contact.last_interaction_at.toISOString()).to.equal('2026-03-04T05:06:17.000Z');
    });
  });

  describe('when a sender later gives a real name', () => {
    it('replaces the generated name but never a name a person entered', async () => {
      const anon = () => [{ envelope: envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id: 'n' }), source: { topic: 'in', partition: 0, offset: '0' } }];
      const named = (name: string, offset: string) => [{ envelope: envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id: 'n', profile: { name } }),
        source: { topic: 'in', partition: 0, offset } }];
      const [generated] = (await resolveBatch(testDb.db, anon(), new Date())).resolved;
      const [renamed] = (await resolveBatch(testDb.db, named('Grace Hopper', '1'), new Date())).resolved;
      expect(renamed!.contact.displayName).to.equal('Grace Hopper').and.not.equal(generated!.contact.displayName);
      const [kept] = (await resolveBatch(testDb.db, named('Someone Else', '2'), new Date())).resolved;
      expect(kept!.contact.displayName).to.equal('Grace Hopper');
    });
  });
});
