import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Kafka, Producer } from 'kafkajs';
import { forgetCoordinators } from '../../config/kafka-coordinators.js';
import { producerDefaults } from '../../config/kafka.js';
import { createTestTopics, testKafka, TopicReader } from '../helpers/kafka.js';

/**
 * The resolver's Kafka transactions against a real broker: each transactional call used to ask which broker
 * coordinates the transaction (and `sendOffsets` which coordinates the group) first. Counted from kafkajs's
 * own request events.
 */
describe('Kafka transactions: coordinators looked up once, not before every call', () => {
  let kafka: Kafka;
  let producer: Producer;
  let topic: string;
  const requests: string[] = [];

  before(async () => {
    kafka = testKafka();
    topic = (await createTestTopics(kafka, 1)).resolved;
    producer = kafka.producer({ ...producerDefaults, transactionalId: `coordinators-${randomBytes(4).toString('hex')}`,
      idempotent: true, maxInFlightRequests: 1 });
    producer.on(producer.events.REQUEST, ({ payload }) => void requests.push(payload.apiName));
    await producer.connect();
  });
  after(() => producer.disconnect());

  async function transaction(n: number) {
    const txn = await producer.transaction();
    await txn.send({ topic, acks: -1, messages: [{ key: 'k', value: `message ${n}` }] });
    await txn.sendOffsets({ consumerGroupId: 'coordinators-test', topics: [{ topic, partitions: [{ partition: 0, offset: String(n + 1) }] }] });
    await txn.commit();
  }

  const lookups = () => requests.filter((name) => name === 'GroupCoordinator' || name === 'FindCoordinator').length;

  it('asks once per coordinator for ten transactions in a row, and every one commits', async () => {
    await transaction(0);
    const before = lookups();
    for (let n = 1; n <= 10; n++) await transaction(n);
    expect(lookups() - before).to.be.at.most(2);
    expect(requests.filter((name) => name === 'EndTxn')).to.have.length.of.at.least(11);

    const reader = await TopicReader.open(kafka, topic);
    try {
      expect((await reader.waitForMessages(11)).map((m) => m.value!.toString())).to.deep.equal(
        Array.from({ length: 11 }, (_, n) => `message ${n}`));
    } finally {
      await reader.close();
    }
  });

  it('asks again after a caller forgets them (its request to a coordinator failed)', async () => {
    await transaction(20);
    const before = lookups();
    forgetCoordinators();
    await transaction(21);
    expect(lookups() - before).to.equal(2);
  });
});
