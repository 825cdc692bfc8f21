import { Kafka, Partitioners, logLevel as KafkaLogLevel, type Admin, type LogEntry, type Producer, type ProducerConfig } from 'kafkajs';
import './kafka-coordinators.js';
import type { KafkaConfig } from './index.js';
import type { Logger } from './logger.js';

/** A kafkajs client whose own logs go through pino, under the `kafka` child logger. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ module: 'kafka' });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    ...(config.sasl ? { sasl: config.sasl } : {}),
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => ({ level, log: entry }: LogEntry) => {
      const { message, ...fields } = entry;
      // kafkajs logs errors it is about to retry (a coordinator still loading at start-up) as errors.
      const retrying = 'retryCount' in fields || 'retryTime' in fields;
      if (level <= KafkaLogLevel.ERROR && !retrying) log.error(fields, message);
      else if (level <= KafkaLogLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    },
  });
}

/**
 * Options every Tributary producer starts from: Kafka's own (Java-compatible, murmur2) partitioner, so a
 * sender's key maps to the same partition whichever client produced it.
 */
export const producerDefaults: ProducerConfig = { createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false };

/** Creates every Tributary topic that does not exist yet; safe to call from every process at start. */
export async function ensureTopics(admin: Admin, config: KafkaConfig): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = Object.values(config.topics).filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: config.partitions,
      replicationFactor: config.replicationFactor,
    })),
  });
}

/** A process's Kafka: the client, and an admin that created the topics and answers the readiness probe. */
export interface KafkaConnection {
  kafka: Kafka;
  admin: Admin;
  /** Resolves when the cluster answers: the `kafka` readiness check. */
  ping(): Promise<unknown>;
  disconnect(): Promise<void>;
}

/** Connects a process to Kafka and creates Tributary's topics when they are missing. */
export async function connectKafka(config: KafkaConfig, logger: Logger): Promise<KafkaConnection> {
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  return { kafka, admin, ping: () => admin.describeCluster(), disconnect: () => admin.disconnect() };
}

/**
 * The producer the gateway and the stream connectors publish with, connected: one request in flight per broker,
 * so a retried send cannot overtake the next one. Not idempotent, on purpose: when Kafka refuses part of a
 * request (one record too large), kafkajs's idempotent producer loses its sequence numbers for the partitions
 * that succeeded and refuses every later send to them (OUT_OF_ORDER_SEQUENCE_NUMBER). A record written twice
 * by a retry costs nothing: its envelope id makes the resolver publish it once.
 */
export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ ...producerDefaults, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}
