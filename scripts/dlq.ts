/**
 * `npm run dlq -- list [--since TIME]` shows what the resolver dead-lettered, with why and where from;
 * `npm run dlq -- replay [--since TIME] [--offset PARTITION:OFFSET]` sends those records back to the inbound
 * topic, byte for byte, once the cause is fixed. A replayed record keeps its envelope id, so the resolver's
 * ledger lets none resolve twice (one resolved meanwhile is counted as a duplicate delivery and skipped).
 * Reads KAFKA_BROKERS and KAFKA_TOPIC_PREFIX like every process.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig } from '../config/index.js';
import { createKafka, producerDefaults } from '../config/kafka.js';
import { createLogger } from '../config/logger.js';

const USAGE = 'usage: npm run dlq -- list [--since TIME] | replay [--since TIME] [--offset PARTITION:OFFSET]';

export interface DeadLetterRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  reason: string;
  failedAt: string;
  envelopeId: string | undefined;
}

/** Every record on the dead-letter topic, from its start to its end as it is now. */
export async function readDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetterRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = (await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
  await admin.disconnect();
  if (ends.length === 0) return [];
  const records: DeadLetterRecord[] = [];
  const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
  const consumer = kafka.consumer({ groupId: `tributary-dlq-reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((done, fail) => {
    // The last offsets may be transaction markers, which are never delivered: a quiet second also means the end.
    let quiet: NodeJS.Timeout | undefined;
    const waitForQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, 2_000);
    };
    consumer.on(consumer.events.GROUP_JOIN, waitForQuiet);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        waitForQuiet();
        records.push(toRecord(partition, message));
        if (remaining.has(partition) && BigInt(message.offset) >= remaining.get(partition)!) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(quiet);
          done();
        }
      },
    }).catch(fail);
  });
  await consumer.disconnect();
  return records.sort((a, b) => a.failedAt.localeCompare(b.failedAt));
}

/** Puts records back on the inbound topic as they first came (key, bytes, headers other than the `dlq-` ones). */
export async function replay(kafka: Kafka, inboundTopic: string, records: DeadLetterRecord[]): Promise<void> {
  if (records.length === 0) return;
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  try {
    await producer.send({ topic: inboundTopic, acks: -1, messages: records.map((record) => ({
      key: record.key,
      value: record.value,
      headers: { ...withoutDlqHeaders(record.headers), 'replayed-from-dlq': `${record.partition}:${record.offset}` },
    })) });
  } finally {
    await producer.disconnect();
  }
}

function toRecord(partition: number, message: KafkaMessage): DeadLetterRecord {
  const header = (name: string) => message.headers?.[name]?.toString();
  return { partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {},
    reason: header('dlq-reason') ?? '(no reason recorded)', failedAt: header('dlq-failed-at') ?? '', envelopeId: header('envelope-id') };
}

function withoutDlqHeaders(headers: IHeaders): IHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('dlq-')));
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true,
    options: { since: { type: 'string' }, offset: { type: 'string' } } });
  const [command] = positionals;
  if (command !== 'list' && command !== 'replay') throw new UsageError(USAGE);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since: not a time (${values.since}); use e.g. 2026-11-30T10:00:00Z`);
  const config = loadConfig();
  const kafka = createKafka(config.kafka, createLogger('error', 'dlq'));
  const records = (await readDeadLetters(kafka, config.kafka.topics.inboundDlq)).filter((record) =>
    (!since || new Date(record.failedAt) >= since) && (!values.offset || values.offset === `${record.partition}:${record.offset}`));
  if (command === 'list') {
    for (const record of records) {
      process.stdout.write(`${record.failedAt}  ${record.partition}:${record.offset}  envelope ${record.envelopeId ?? '-'}  ${record.reason}\n`);
    }
    process.stderr.write(`${records.length} dead-lettered record(s) on ${config.kafka.topics.inboundDlq}\n`);
  } else {
    await replay(kafka, config.kafka.topics.inbound, records);
    process.stderr.write(`replayed ${records.length} record(s) to ${config.kafka.topics.inbound}\n`);
  }
  return 0;
}

class UsageError extends Error {}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
