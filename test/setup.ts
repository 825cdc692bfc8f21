/**
 * Mocha global fixtures: one real Kafka broker for the whole run (unless KAFKA_BROKERS points at one).
 * Every test makes its own topics and database, so tests never see each other's data.
 */
import { startLocalKafka, type LocalKafka } from '../scripts/kafka/local-kafka.js';

let kafka: LocalKafka | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  kafka = await startLocalKafka({ name: `test-${process.pid}`, port: 0, ephemeral: true });
  process.env.KAFKA_BROKERS = kafka.brokers;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await kafka?.stop();
}
