import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { TopicReader, produce } from '../helpers/kafka.js';
import { apiMessage, envelope, inboundMessage } from '../helpers/envelopes.js';
import { waitFor } from '../helpers/wait-for.js';

describe('identity resolver (real Kafka and Postgres)', () => {
  let harness: Harness;
  let resolved: TopicReader;

  beforeEach(async () => {
    harness = await startHarness();
    resolved = await harness.read('resolved');
  });
  afterEach(() => harness.close());

  describe('when one sender writes twice', () => {
    it('resolves both messages to the same contact, new the first time only', async () => {
      expect((await harness.post('/v1/messages', apiMessage('user-1', { sender: { id: 'user-1', name: 'Ada Lovelace' } }))).status).to.equal(202);
      await resolved.waitForCount(1);
      expect((await harness.post('/v1/messages', apiMessage('user-1'))).status).to.equal(202);
      const [first, second] = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(first!.contact.id).to.equal(second!.contact.id);
      expect([first!.contact.isNew, second!.contact.isNew]).to.deep.equal([true, false]);
      expect(first!.contact.displayName).to.equal('Ada Lovelace');
      expect(resolved.messages[0]!.key!.toString()).to.equal(first!.contact.id);
    });
  });

  describe('its metrics', () => {
    it('time each phase of a batch, and each step of its Kafka transaction within commit', async () => {
      await harness.post('/v1/messages', apiMessage('timed'));
      await resolved.waitForCount(1);
      // The record is readable once its transaction commits, a moment before the resolver records the time it took.
      const values = await waitFor(async () => {
        const { values: all } = await harness.resolverMetrics.phaseSeconds.get();
        return all.some((v) => v.labels.phase === 'commit') ? all : undefined;
      });
      const sum = (phase: string) => values.find((v) => v.metricName?.endsWith('_sum') && v.labels.phase === phase)?.value;
      const steps = ['commit_records', 'commit_offsets', 'commit_end'].map(sum);
      for (const seconds of [sum('parse'), sum('resolve'), sum('commit'), ...steps]) expect(seconds).to.be.a('number').above(0);
      expect(steps.reduce((total, seconds) => total! + seconds!, 0)).to.be.at.most(sum('commit')!);
    });
  });

  describe('its statement metric', () => {
    it('times each statement of a batch\'s transaction by name, BEGIN and COMMIT included', async () => {
      await harness.post('/v1/messages', apiMessage('statement-timed'));
      await resolved.waitForCount(1);
      const counts = await waitFor(async () => {
        const { values } = await harness.resolverMetrics.statementSeconds.get();
        const count = new Map(values.filter((v) => v.metricName?.endsWith('_count')).map((v) => [v.labels.statement, v.value]));
        return (count.get('COMMIT') ?? 0) > 0 ? count : undefined;
      });
      for (const statement of ['BEGIN', 'batch.open', 'identities.find', 'batch.write', 'contacts.summaries', 'COMMIT']) {
        expect(counts.get(statement), statement).to.be.at.least(1);
      }
    });
  });

  describe('when a new sender gives no name', () => {
    it('names the contact with a friendly adjective-noun name, stable for the identity', async () => {
      await harness.post('/v1/messages', apiMessage('nameless'));
      await harness.post('/v1/messages', apiMessage('nameless'));
      const records = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(records[0]!.contact.displayName).to.match(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(records[1]!.contact.displayName).to.equal(records[0]!.contact.displayName);
      const [row] = await harness.testDb.db('contacts').select('lifecycle_stage', 'name_generated');
      expect(row).to.deep.equal({ lifecycle_stage: 'lead', name_generated: true });
    });
  });

  describe('when 50 first messages from one new identity arrive at once', () => {
    it('creates exactly one contact', async () => {
      const responses = await Promise.all(Array.from({ length: 50 }, () => harness.post('/v1/messages', apiMessage('burst'))));
      expect(responses.map((r) => r.status)).to.deep.equal(Array(50).fill(202));
      const records = await resolved.waitForCount<ResolvedEnvelope>(50);
      expect(new Set(records.map((r) => r.contact.id)).size).to.equal(1);
      expect(records.filter((r) => r.contact.isNew)).to.have.length(1);
      const [{ count }] = (await harness.testDb.db('contacts').count({ count: '*' })) as [{ count: number | string }];
      expect(Number(count)).to.equal(1);
      const [interaction] = await harness.testDb.db('interactions').select('message_count', 'last_channel');
      expect(interaction).to.deep.equal({ message_count: 50, last_channel: 'api' });
    });
  });

  describe('when a provider delivers the same message twice', () => {
    it('publishes it to the resolved topic once', async () => {
      const message = apiMessage('retrier');
      await harness.post('/v1/messages', message);
      await harness.post('/v1/messages', message);
      await harness.post('/v1/messages', apiMessage('retrier'));
      await resolved.waitForCount(2);
      await resolved.settle();
      const providerIds = resolved.json<ResolvedEnvelope>().map((r) => r.message.providerId);
      expect(providerIds).to.have.length(2);
      expect(providerIds.filter((id) => id === message.id)).to.have.length(1);
    });
  });

  describe('when the contact is blocked', () => {
    it('drops its messages silently and counts them, and other senders still flow', async () => {
      await harness.post('/v1/messages', apiMessage('spammer'));
      const [first] = await resolved.waitForCount<ResolvedEnvelope>(1);
      await harness.testDb.db('contacts').where({ id: first!.contact.id }).update({ blocked_at: new Date() });

      await harness.post('/v1/messages', apiMessage('spammer'));
      await harness.post('/v1/messages', apiMessage('spammer'));
      await harness.post('/v1/messages', apiMessage('friend'));
      const records = await resolved.waitForCount<ResolvedEnvelope>(2);
      await resolved.settle();
      expect(resolved.messages).to.have.length(2);
      expect(records[1]!.sender.id).to.equal('friend');
      const drops = await waitFor(() => harness.testDb.db('blocked_drops').where({ contact_id: first!.contact.id }).first());
      expect(drops.dropped_count).to.equal(2);
      expect(drops.last_attempt_at).to.be.instanceOf(Date);
    });
  });

  describe('when an SMS sender shares a phone with another contact\'s WhatsApp identity', () => {
    it('flags both contacts as potential duplicates with the reason', async () => {
      const events = await harness.read('contactEvents');
      const account = '+14155550100';
      await produce(harness.kafka, harness.topics.inbound, [
        inboundMessage(envelope({ channel: 'whatsapp', account, kind: 'whatsapp', id: '+4915123456789', profile: { name: 'Jo' } })),
      ]);
      await resolved.waitForCount(1);
      await produce(harness.kafka, harness.topics.inbound, [
        inboundMessage(envelope({ channel: 'sms', account, kind: 'sms', id: '+49 151 2345 6789' })),
      ]);
      const [whatsapp, sms] = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(sms!.contact.id).to.not.equal(whatsapp!.contact.id);
      expect(sms!.contact.potentialDuplicates).to.equal(1);

      const [suggestion] = await harness.testDb.db('duplicate_suggestions').select();
      expect([suggestion.contact_a, suggestion.contact_b]).to.have.members([sms!.contact.id, whatsapp!.contact.id]);
      expect(suggestion).to.include({ field: 'phone', value: '+4915123456789', status: 'open' });
      const [event] = await events.waitForCount<Record<string, string>>(1);
      expect(event).to.include({ type: 'duplicate_flagged', reason: 'same phone +4915123456789' });
    });

    it('never suggests a blocked contact', async () => {
      const account = '+14155550100';
      await produce(harness.kafka, harness.topics.inbound, [
        inboundMessage(envelope({ channel: 'whatsapp', account, kind: 'whatsapp', id: '+4915111111112' })),
      ]);
      const [first] = await resolved.waitForCount<ResolvedEnvelope>(1);
      await harness.testDb.db('contacts').where({ id: first!.contact.id }).update({ blocked_at: new Date() });
      await produce(harness.kafka, harness.topics.inbound, [
        inboundMessage(envelope({ channel: 'sms', account, kind: 'sms', id: '+4915111111112' })),
      ]);
      const [, sms] = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(sms!.contact.potentialDuplicates).to.equal(0);
      expect(await harness.testDb.db('duplicate_suggestions').select()).to.be.empty;
    });
  });

  describe('when a record is not a valid envelope', () => {
    it('sends it to the dead-letter topic with the reason and keeps the partition flowing', async () => {
      const dlq = await harness.read('inboundDlq');
      const good = envelope({ channel: 'api', account: 'a', kind: 'api_user', id: 'same-key', scope: 'a' });
      const key = inboundMessage(good).key;
      await produce(harness.kafka, harness.topics.inbound, [
        { key, value: '{"not": "an envelope"' },
        { key, value: JSON.stringify({ ...good, channel: 'carrier-pigeon' }) },
        inboundMessage(good),
      ]);
      const [record] = await resolved.waitForCount<ResolvedEnvelope>(1);
      expect(record!.id).to.equal(good.id);
      await dlq.waitForMessages(2);
      const reasons = dlq.messages.map((m) => m.headers!['dlq-reason']!.toString());
      expect(reasons[0]).to.equal('record is not JSON');
      expect(reasons[1]).to.match(/^invalid envelope: channel: /);
      expect(dlq.messages[0]!.value!.toString()).to.equal('{"not": "an envelope"');
      expect(dlq.messages[0]!.headers!['dlq-source-topic']!.toString()).to.equal(harness.topics.inbound);
    });
  });
});
