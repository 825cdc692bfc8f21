/**
 * Mocha global fixtures: one real Kafka broker for the whole run (unless KAFKA_BROKERS points at one), and the
 * PostgreSQL server tests make their databases on: TEST_DATABASE_SERVER when set, else the server on
 * 127.0.0.1:5432 (LOCAL_POSTGRES_PROBE) when one answers, else an embedded PostgreSQL with a throw-away data
 * directory. Every test makes its own topics and database, so tests never see each other's data.
 */
import { startLocalKafka, type LocalKafka } from '../scripts/kafka/local-kafka.js';
import { localPostgres, type LocalPostgres } from '../scripts/postgres/local-postgres.js';

let kafka: LocalKafka | undefined;
let postgres: LocalPostgres | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (!process.env.TEST_DATABASE_SERVER) {
    postgres = await localPostgres({ probe: process.env.LOCAL_POSTGRES_PROBE });
    process.env.TEST_DATABASE_SERVER = postgres.server;
    if (postgres.dataDir) process.stderr.write(`tests use ${postgres.description}\n`);
  }
  if (process.env.KAFKA_BROKERS) return;
  kafka = await startLocalKafka({ name: `test-${process.pid}`, port: 0, ephemeral: true });
  process.env.KAFKA_BROKERS = kafka.brokers;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await kafka?.stop();
  await postgres?.stop();
}
