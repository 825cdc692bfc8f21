import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Message } from 'kafkajs';
import { producerDefaults } from '../../config/kafka.js';
import { topicsWithPrefix, type Topics } from '../../config/topics.js';
import { waitFor } from './wait-for.js';

export const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function testKafka(clientId = 'tributary-test'): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

/** Topic names of their own for one test, created up front with `partitions` partitions each. */
export async function createTestTopics(kafka: Kafka, partitions = 3): Promise<Topics> {
  const topics = topicsWithPrefix(`t${randomBytes(5).toString('hex')}.`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  });
  await admin.disconnect();
  return topics;
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer(producerDefaults);
  await producer.connect();
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
}

/** Collects everything a `read_committed` consumer sees on a topic, from the beginning. */
export class TopicReader {
  readonly messages: KafkaMessage[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async open(kafka: Kafka, topic: string): Promise<TopicReader> {
    const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}`, readUncommitted: false });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void reader.messages.push(message) });
    return reader;
  }

  json<T = Record<string, unknown>>(): T[] {
    return this.messages.map((message) => JSON.parse(message.value!.toString('utf8')) as T);
  }

  async waitForCount<T = Record<string, unknown>>(count: number, timeoutMs = 30_000): Promise<T[]> {
    await this.waitForMessages(count, timeoutMs);
    return this.json<T>();
  }

  async waitForMessages(count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
    await waitFor(() => this.messages.length >= count, { timeoutMs, what: `${count} records (have ${this.messages.length})` });
    return this.messages;
  }

  /** Waits a little longer to make sure nothing more arrives (used after the expected records are in). */
  async settle(ms = 1_500): Promise<void> {
    await new Promise((done) => setTimeout(done, ms));
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}
