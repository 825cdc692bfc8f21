import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CHECKED_HEADER, CHECKED_VERSION, type ResolvedEnvelope } from '../../connectors/envelope.js';
import { apiMessage } from '../helpers/envelopes.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { brokers, produce, type TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);

describe('dead letters: visible and recoverable', () => {
  let harness: Harness;
  let resolved: TopicReader;
  let dlq: TopicReader;
  /** `npm run dlq -- …` against the harness's topics. */
  const dlqCli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/dlq.ts', ...args], {
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), KAFKA_TOPIC_PREFIX: harness.topics.inbound.replace('tributary.inbound.v1', '') },
  });

  before(async () => {
    harness = await startHarness();
    resolved = await harness.read('resolved');
    dlq = await harness.read('inboundDlq');
  });
  after(() => harness.close());

  describe('when a message fails to resolve for a reason retrying cannot fix, which is fixed later', () => {
    before(async () => {
      // The "bug": a constraint that refuses this customer's name, as a faulty migration might.
      await harness.testDb.db.raw("ALTER TABLE contacts ADD CONSTRAINT no_poison CHECK (display_name <> 'Poison Ivy')");
      expect((await harness.post('/v1/messages', apiMessage('poisoned', { sender: { id: 'poisoned', name: 'Poison Ivy' } }))).status)
        .to.equal(202);
      expect((await harness.post('/v1/messages', apiMessage('healthy', { sender: { id: 'healthy', name: 'Ada' } }))).status).to.equal(202);
      await dlq.waitForMessages(1);
      await resolved.waitForCount(1);
    });

    it('counts it by reason and keeps its partition flowing', async () => {
      const counted = await harness.resolverMetrics.deadLettered.get();
      expect(counted.values.find((v) => v.labels.reason === 'resolve_failed')?.value).to.equal(1);
      expect(resolved.json<ResolvedEnvelope>().map((r) => r.contact.displayName)).to.deep.equal(['Ada']);
    });

    it('`npm run dlq -- list` shows it with its reason and envelope id', async () => {
      const { stdout, stderr } = await dlqCli('list');
      expect(stderr).to.match(/^1 dead-lettered record/);
      expect(stdout).to.match(/resolve failed: .*no_poison/);
      expect(stdout).to.include(dlq.messages[0]!.headers!['envelope-id']!.toString());
    });

    it('`replay` after the fix resolves it once, however often it is replayed', async () => {
      await harness.testDb.db.raw('ALTER TABLE contacts DROP CONSTRAINT no_poison');
      expect((await dlqCli('replay', '--since', '2000-01-01T00:00:00Z')).stderr).to.match(/replayed 1 record/);
      const [, ivy] = await resolved.waitForCount<ResolvedEnvelope>(2);
      expect(ivy!.contact.displayName).to.equal('Poison Ivy');
      expect(ivy!.id).to.equal(JSON.parse(dlq.messages[0]!.value!.toString()).id);
      await dlqCli('replay');
      await waitFor(async () => ((await harness.resolverMetrics.duplicates.get()).values[0]?.value ?? 0) >= 1,
        { what: 'the second replay to be recognised as a duplicate delivery' });
      expect(resolved.messages).to.have.length(2);
    });

    it('`replay --since` a later time replays nothing', async () => {
      expect((await dlqCli('replay', '--since', '2999-01-01T00:00:00Z')).stderr).to.match(/replayed 0 record/);
    });
  });

  // The resolver trusts `envelope-checked` (resolvers/records.ts): a record that claims it falsely is not
  // checked, so it must fail as it is resolved, be dead-lettered and leave its partition flowing.
  describe('when a record claims the publisher checked it but is no envelope', () => {
    it('dead-letters it with the reason, and resolves the message after it', async () => {
      const lettersBefore = dlq.messages.length;
      const resolvedBefore = resolved.messages.length;
      await produce(harness.kafka, harness.topics.inbound, [{ key: 'api_user:acme-app:forged', value: '{"v":1,"id":"forged"}',
        headers: { [CHECKED_HEADER]: CHECKED_VERSION } }]);
      expect((await harness.post('/v1/messages', apiMessage('forged', { sender: { id: 'forged', name: 'After' } }))).status).to.equal(202);
      await dlq.waitForMessages(lettersBefore + 1);
      expect(dlq.messages.at(-1)!.value!.toString()).to.equal('{"v":1,"id":"forged"}');
      expect(dlq.messages.at(-1)!.headers!['dlq-reason']!.toString()).to.match(/^resolve failed: /);
      const records = await resolved.waitForCount<ResolvedEnvelope>(resolvedBefore + 1);
      expect(records.at(-1)!.contact.displayName).to.equal('After');
    });
  });
});
