import type { Batch, Consumer, EachBatchPayload, Kafka, TopicMessages } from 'kafkajs';
import type { Topics } from '../../config/topics.js';
import type { Logger } from '../../config/logger.js';
import type { Db } from '../../db/client.js';
import { describeDbError, isRetriableDbError } from '../../db/errors.js';
import type { ResolverMetrics } from '../metrics.js';
import { ProducerPool } from '../producer-pool.js';
import { deadLetterMessage, eventMessage, parseRecords, resolvedMessage, type DeadLetter } from '../records.js';
import { ConcurrentDeliveryError, resolveBatch, type BatchResult, type InboundItem } from './resolve.js';

export interface ResolverDeps {
  kafka: Kafka;
  db: Db;
  topics: Topics;
  groupId: string;
  transactionalId: string;
  maxBatchBytes: number;
  /** Partitions resolved at the same time (each with its own transactional producer). */
  concurrency: number;
  logger: Logger;
  metrics: ResolverMetrics;
  clock?: () => Date;
}

export interface Resolver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 5_000;

/**
 * The identity resolver's consumer loop. Each batch is resolved in one Postgres transaction, then its
 * resolved records, events, dead letters and the consumer offset are written in one Kafka transaction: a
 * `read_committed` reader sees every inbound message resolved exactly once, even across crashes.
 */
export function createResolver(deps: ResolverDeps): Resolver {
  const log = deps.logger.child({ module: 'resolver' });
  const clock = deps.clock ?? (() => new Date());
  let consumer: Consumer | undefined;
  const producers = ProducerPool.create(deps.kafka, deps.transactionalId, deps.concurrency);

  async function handleBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload) {
    if (batch.isEmpty()) return;
    const started = process.hrtime.bigint();
    deps.metrics.consumed.inc(batch.messages.length);
    deps.metrics.batchSize.observe(batch.messages.length);
    const { items, deadLetters } = parseRecords(batch.topic, batch.partition, batch.messages);
    const outcome = await resolveWithRetry(items, { heartbeat, isRunning: () => isRunning() && !isStale() });
    if (!outcome || !isRunning() || isStale()) return; // partition revoked: its new owner resolves it again
    deadLetters.push(...outcome.failed);
    await commit(batch, outcome.result, deadLetters);
    resolveOffset(batch.lastOffset());
    await heartbeat();
    deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Retries database outages until they end (the partition waits, nothing is skipped), and at once a batch that
   * lost an envelope id to another partition's batch.
   */
  async function resolveWithRetry(items: InboundItem[], control: { heartbeat: () => Promise<void>; isRunning: () => boolean }) {
    for (let attempt = 0; control.isRunning(); attempt++) {
      try {
        return await resolveIsolatingPoison(items);
      } catch (error) {
        if (error instanceof ConcurrentDeliveryError) {
          log.info({ size: items.length }, error.message);
          continue;
        }
        if (!isRetriableDbError(error)) throw error;
        deps.metrics.retries.inc();
        const delay = Math.min(MAX_RETRY_DELAY_MS, 100 * 2 ** attempt);
        log.warn({ err: error, attempt, delay }, 'database unavailable; retrying batch');
        await new Promise((done) => setTimeout(done, delay));
        await control.heartbeat().catch(() => {});
      }
    }
    return undefined;
  }

  /**
   * A record that fails for a reason retrying cannot fix must not block its partition: resolve the batch
   * one record at a time to find it, and dead-letter it with the reason.
   */
  async function resolveIsolatingPoison(items: InboundItem[]): Promise<{ result: BatchResult; failed: DeadLetter[] }> {
    try {
      return { result: await resolveBatch(deps.db, items, clock()), failed: [] };
    } catch (error) {
      if (isRetriableDbError(error) || error instanceof ConcurrentDeliveryError) throw error;
      log.error({ err: error, size: items.length }, 'batch failed; resolving its records one by one');
    }
    const result: BatchResult = { resolved: [], events: [], dropped: 0, duplicates: 0 };
    const failed: DeadLetter[] = [];
    for (const item of items) {
      try {
        const single = await resolveBatch(deps.db, [item], clock());
        result.resolved.push(...single.resolved);
        result.events.push(...single.events);
        result.dropped += single.dropped;
        result.duplicates += single.duplicates;
      } catch (error) {
        if (isRetriableDbError(error) || error instanceof ConcurrentDeliveryError) throw error;
        failed.push({ offset: item.source.offset, kind: 'resolve_failed', reason: `resolve failed: ${describeDbError(error)}`.slice(0, 500) });
      }
    }
    return { result, failed };
  }

  async function commit(batch: Batch, result: BatchResult, deadLetters: DeadLetter[]) {
    const now = clock();
    const originals = new Map(batch.messages.map((message) => [message.offset, message]));
    const topicMessages: TopicMessages[] = [
      { topic: deps.topics.resolved, messages: result.resolved.map(resolvedMessage) },
      { topic: deps.topics.contactEvents, messages: result.events.map(eventMessage) },
      { topic: deps.topics.inboundDlq, messages: deadLetters.map((letter) =>
        deadLetterMessage(batch.topic, batch.partition, originals.get(letter.offset)!, letter.reason, now)) },
    ].filter((t) => t.messages.length > 0);
    await producers.use(async (producer) => {
      const transaction = await producer.transaction();
      try {
        if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: deps.groupId,
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(batch.lastOffset()) }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch((abortError: unknown) => log.warn({ err: abortError }, 'abort failed'));
        throw error;
      }
    });
    deps.metrics.resolved.inc(result.resolved.length);
    deps.metrics.dropped.inc(result.dropped);
    deps.metrics.duplicates.inc(result.duplicates);
    deps.metrics.flagged.inc(result.events.length);
    for (const letter of deadLetters) {
      deps.metrics.deadLettered.inc({ reason: letter.kind });
      log.warn({ topic: batch.topic, partition: batch.partition, offset: letter.offset, reason: letter.reason },
        'record sent to the dead-letter topic; `npm run dlq -- list` shows it, `replay` re-drives it after a fix');
    }
  }

  return {
    async start() {
      consumer = deps.kafka.consumer({
        groupId: deps.groupId,
        readUncommitted: false,
        maxBytesPerPartition: deps.maxBatchBytes,
        maxBytes: deps.maxBatchBytes * 4,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
      });
      await producers.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: deps.topics.inbound, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: handleBatch,
        partitionsConsumedConcurrently: deps.concurrency });
      log.info({ topic: deps.topics.inbound, groupId: deps.groupId }, 'resolver consuming');
    },
    async stop() {
      await consumer?.disconnect();
      await producers.disconnect();
      log.info('resolver stopped');
    },
  };
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
