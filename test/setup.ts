/**
 * Mocha global fixtures: one real Kafka broker for the whole run (unless KAFKA_BROKERS points at one).
 * Every test makes its own topics and database, so tests never see each other's data.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalKafka, type LocalKafka } from '../scripts/kafka/local-kafka.js';

let kafka: LocalKafka | undefined;
const name = `test-${process.pid}`;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  kafka = await startLocalKafka({ name, port: 0 });
  process.env.KAFKA_BROKERS = kafka.brokers;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!kafka) return;
  await kafka.stop();
  rmSync(join('.kafka', name), { recursive: true, force: true });
}
