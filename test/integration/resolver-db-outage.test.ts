import { expect } from 'chai';
import type { ResolvedEnvelope } from '../../connectors/envelope.js';
import { createDb } from '../../db/client.js';
import { createResolver } from '../../resolvers/identity/consumer.js';
import { createResolverMetrics } from '../../resolvers/metrics.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { envelope, inboundMessage } from '../helpers/envelopes.js';
import { logger } from '../helpers/harness.js';
import { TopicReader, createTestTopics, produce, testKafka } from '../helpers/kafka.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';

describe('identity resolver during a database outage', () => {
  let testDb: TestDb;
  beforeEach(async () => { testDb = await createTestDb(); });
  afterEach(async () => { await testDb.drop(); });

  it('pauses and retries until the database is back, skipping nothing', async () => {
    const kafka = testKafka();
    const topics = await createTestTopics(kafka, 1);
    const url = new URL(testDb.url);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    const db = createDb({ url: url.toString(), poolMax: 2 });
    const metrics = createResolverMetrics();
    const resolver = createResolver({ kafka, db, topics, groupId: 'outage', transactionalId: 'outage-1', logger, metrics,
      maxBatchBytes: 1_048_576, concurrency: 1 });
    const resolved = await TopicReader.open(kafka, topics.resolved);
    try {
      await resolver.start();
      const send = (id: string) => produce(kafka, topics.inbound, [inboundMessage(envelope({ channel: 'api', account: 'a', kind: 'api_user', scope: 'a', id }))]);
      await send('before');
      await resolved.waitForCount(1);

      await proxy.cut();
      await send('during-1');
      await send('during-2');
      await waitForRetries(metrics);
      expect(resolved.messages).to.have.length(1);

      await proxy.restore();
      const records = await resolved.waitForCount<ResolvedEnvelope>(3, 30_000);
      await resolved.settle();
      expect(resolved.messages).to.have.length(3);
      expect(records.map((r) => r.sender.id)).to.deep.equal(['before', 'during-1', 'during-2']);
    } finally {
      await resolved.close();
      await resolver.stop();
      await db.destroy();
      await proxy.cut();
    }
  });
});

async function waitForRetries(metrics: ReturnType<typeof createResolverMetrics>): Promise<void> {
  await waitFor(async () => ((await metrics.retries.get()).values[0]?.value ?? 0) >= 2,
    { timeoutMs: 30_000, intervalMs: 100, what: 'the resolver to retry' });
}
