import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import type { Kafka } from 'kafkajs';
import type { Topics } from '../../config/topics.js';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { envelope, inboundMessage } from '../helpers/envelopes.js';
import { TopicReader, brokers, createTestTopics, produce, testKafka } from '../helpers/kafka.js';
import { startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { freePort } from '../../scripts/kafka/local-kafka.js';

describe('identity resolver under failure', () => {
  describe('when two resolver instances share a consumer group', () => {
    it('creates one contact per identity and resolves every message once', async () => {
      const harness = await startHarness({ resolvers: 2, partitions: 4 });
      const resolved = await TopicReader.open(harness.kafka, harness.topics.resolved);
      try {
        const senders = Array.from({ length: 20 }, (_, i) => `member-${i}`);
        const posts = senders.flatMap((id) => Array.from({ length: 5 }, () =>
          harness.post('/v1/messages', { id: `${id}-${Math.random()}`, account: 'acme', sender: { id }, text: 'x' })));
        expect(new Set((await Promise.all(posts)).map((r) => r.status))).to.deep.equal(new Set([202]));
        const records = await resolved.waitForCount<ResolvedEnvelope>(100);
        await resolved.settle();
        expect(resolved.messages).to.have.length(100);
        const contactsBySender = new Map<string, Set<string>>();
        for (const r of records) contactsBySender.set(r.sender.id, (contactsBySender.get(r.sender.id) ?? new Set()).add(r.contact.id));
        expect([...contactsBySender.values()].every((ids) => ids.size === 1)).to.equal(true);
        const [{ count }] = (await harness.testDb.db('contacts').count({ count: '*' })) as [{ count: number | string }];
        expect(Number(count)).to.equal(20);
      } finally {
        await resolved.close();
        await harness.close();
      }
    });
  });

  describe('when the resolver is killed with SIGKILL mid-stream and restarted', () => {
    let kafka: Kafka;
    let topics: Topics;
    let testDb: TestDb;
    let child: ChildProcess | undefined;

    before(async () => {
      kafka = testKafka();
      topics = await createTestTopics(kafka, 2);
      testDb = await createTestDb();
    });
    after(async () => {
      child?.kill('SIGKILL');
      await testDb.drop();
    });

    const startResolverProcess = (metricsPort = 0) => spawn(process.execPath, ['--import', 'tsx', 'resolvers/identity/main.ts'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, KAFKA_BROKERS: brokers().join(','), DATABASE_URL: testDb.url, LOG_LEVEL: 'error',
        KAFKA_TOPIC_PREFIX: topics.inbound.replace('tributary.inbound.v1', ''), RESOLVER_GROUP_ID: 'crash-test',
        RESOLVER_TRANSACTIONAL_ID: 'crash-test-resolver-1', RESOLVER_METRICS_PORT: String(metricsPort), RESOLVER_MAX_BATCH_BYTES: '16384' },
    });

    it('publishes every message to the resolved topic exactly once and counts each once', async () => {
      const total = 3_000;
      const envelopes = Array.from({ length: total }, (_, i) =>
        envelope({ channel: 'api', account: 'acme', kind: 'api_user', scope: 'acme', id: `crash-${i % 300}` }));
      await produce(kafka, topics.inbound, envelopes.map(inboundMessage));
      const resolved = await TopicReader.open(kafka, topics.resolved);
      try {
        child = startResolverProcess();
        await waitForCommittedRows(testDb, 200);
        child.kill('SIGKILL');
        await new Promise((exited) => child!.once('exit', exited));
        const committedBeforeRestart = await ledgerCount(testDb);
        expect(committedBeforeRestart).to.be.within(1, total - 1);

        const metricsPort = await freePort();
        child = startResolverProcess(metricsPort);
        const records = await resolved.waitForCount<ResolvedEnvelope>(total, 90_000);
        await resolved.settle(2_000);
        expect(resolved.messages).to.have.length(total);
        expect(new Set(records.map((r) => r.id)).size).to.equal(total);
        const [{ sum }] = (await testDb.db('interactions').sum({ sum: 'message_count' })) as [{ sum: number | string }];
        expect(Number(sum)).to.equal(total);
        expect(new Set(records.map((r) => r.contact.id)).size).to.equal(300);

        const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        expect(ready.status).to.equal(200);
        expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok', kafka: 'ok' } });
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(metrics).to.match(/tributary_resolver_messages_out_total \d+/);
      } finally {
        await resolved.close();
      }
    });
  });
});

async function ledgerCount(testDb: TestDb): Promise<number> {
  const [{ count }] = (await testDb.db('processed_envelopes').count({ count: '*' })) as [{ count: number | string }];
  return Number(count);
}

async function waitForCommittedRows(testDb: TestDb, atLeast: number): Promise<void> {
  await waitFor(async () => (await ledgerCount(testDb)) >= atLeast,
    { timeoutMs: 60_000, intervalMs: 20, what: `the resolver to commit ${atLeast} envelopes` });
}
