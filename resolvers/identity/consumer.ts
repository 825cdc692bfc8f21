import type { Consumer, EachBatchPayload, Kafka, TopicMessages } from 'kafkajs';
import { forgetCoordinators } from '../../config/kafka-coordinators.js';
import type { Topics } from '../../config/topics.js';
import type { Logger } from '../../config/logger.js';
import type { Db } from '../../db/client.js';
import { describeDbError, isRetriableDbError } from '../../db/errors.js';
import { onStatement, statementName } from '../../db/sql.js';
import type { ResolverMetrics } from '../metrics.js';
import { batchGroups } from '../batch-groups.js';
import { ProducerPool } from '../producer-pool.js';
import { deadLetterMessage, eventMessage, parseRecords, resolvedMessage, type DeadLetter } from '../records.js';
import { ConcurrentDeliveryError, firstOfEachEnvelope, resolveBatch, type BatchResult, type InboundItem } from './resolve.js';

export interface ResolverDeps {
  kafka: Kafka;
  db: Db;
  topics: Topics;
  groupId: string;
  transactionalId: string;
  maxBatchBytes: number;
  /** Partitions resolved at the same time (each with its own transactional producer). */
  concurrency: number;
  /**
   * How long the broker may hold a fetch while fewer than 64 KiB are waiting: at moderate rates batches grow
   * (a batch's cost is mostly per batch, not per message) for a few milliseconds of latency.
   */
  fetchWaitMs?: number;
  logger: Logger;
  metrics: ResolverMetrics;
  clock?: () => Date;
}

export interface Resolver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 5_000;
/** The most messages resolved in one transaction: a fetch that brings more is resolved in several. */
const GROUP_MAX_MESSAGES = 5_000;

/**
 * The identity resolver's consumer loop. The batches of one fetch (one per partition) are resolved together in
 * one PostgreSQL transaction, then their resolved records, events, dead letters and every partition's offset
 * are written in one Kafka transaction: a `read_committed` reader sees every inbound message resolved exactly
 * once, even across crashes. Resolving the partitions together makes a batch's fixed cost (a dozen statements,
 * a Kafka transaction of about ten round trips) one per fetch instead of one per partition, which is what sets
 * the cost and the latency at moderate rates, where each partition brings a handful of messages.
 */
export function createResolver(deps: ResolverDeps): Resolver {
  const log = deps.logger.child({ module: 'resolver' });
  const clock = deps.clock ?? (() => new Date());
  let consumer: Consumer | undefined;
  let stopTiming = () => {};
  const producers = ProducerPool.create(deps.kafka, deps.transactionalId, deps.concurrency);
  const groups = batchGroups<EachBatchPayload>({ maxMessages: GROUP_MAX_MESSAGES, size: (payload) => payload.batch.messages.length,
    run: resolveGroup });

  async function handleBatch(payload: EachBatchPayload) {
    if (payload.batch.isEmpty()) return;
    await groups.add(payload);
  }

  async function resolveGroup(members: EachBatchPayload[]) {
    const started = process.hrtime.bigint();
    const phase = stepTimer((name, seconds) => deps.metrics.phaseSeconds.observe({ phase: name }, seconds));
    const count = members.reduce((sum, member) => sum + member.batch.messages.length, 0);
    deps.metrics.consumed.inc(count);
    deps.metrics.batchSize.observe(count);
    const parsed = members.map(({ batch }) => parseRecords(batch.topic, batch.partition, batch.messages));
    const items = parsed.flatMap((part) => part.items);
    const deadLetters = parsed.flatMap((part) => part.deadLetters);
    const owned = (member: EachBatchPayload) => member.isRunning() && !member.isStale();
    phase('parse');
    const outcome = await resolveWithRetry(items, { heartbeat: async () => void await Promise.all(members.map((m) => m.heartbeat())),
      isRunning: () => members.some(owned) });
    if (!outcome) return;
    phase('resolve');
    // A partition revoked meanwhile is resolved again by its new owner (its database work was idempotent): what
    // came from it is not published here.
    const live = members.filter(owned);
    if (live.length === 0) return;
    const partitions = new Set(live.map((member) => member.batch.partition));
    const partitionOf = new Map(items.map((item) => [item.envelope.id, item.source.partition]));
    const kept = (envelopeId: string | null) => envelopeId !== null && partitions.has(partitionOf.get(envelopeId)!);
    const result: BatchResult = { ...outcome.result, resolved: outcome.result.resolved.filter((record) => kept(record.id)),
      events: outcome.result.events.filter((event) => event.envelopeId === null || kept(event.envelopeId)) };
    await commit(live, result, [...deadLetters, ...outcome.failed].filter((letter) => partitions.has(letter.partition)), recordBytes(items));
    phase('commit');
    for (const member of live) member.resolveOffset(member.batch.lastOffset());
    await Promise.all(live.map((member) => member.heartbeat()));
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
        failed.push({ partition: item.source.partition, offset: item.source.offset, kind: 'resolve_failed',
          reason: `resolve failed: ${describeDbError(error)}`.slice(0, 500) });
      }
    }
    return { result, failed };
  }

  async function commit(members: EachBatchPayload[], result: BatchResult, deadLetters: DeadLetter[], bytes: Map<string, Buffer>) {
    const now = clock();
    const topic = members[0]!.batch.topic;
    const originals = new Map(members.flatMap(({ batch }) => batch.messages.map((message) => [`${batch.partition}:${message.offset}`, message] as const)));
    const topicMessages: TopicMessages[] = [
      { topic: deps.topics.resolved, messages: result.resolved.map((record) => resolvedMessage(record, bytes.get(record.id))) },
      { topic: deps.topics.contactEvents, messages: result.events.map(eventMessage) },
      { topic: deps.topics.inboundDlq, messages: deadLetters.map((letter) =>
        deadLetterMessage(topic, letter.partition, originals.get(`${letter.partition}:${letter.offset}`)!, letter.reason, now)) },
    ].filter((t) => t.messages.length > 0);
    await producers.use(async (producer) => {
      const transaction = await producer.transaction();
      try {
        const step = stepTimer((name, seconds) => deps.metrics.phaseSeconds.observe({ phase: `commit_${name}` }, seconds));
        if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages, acks: -1 });
        step('records');
        await transaction.sendOffsets({
          consumerGroupId: deps.groupId,
          topics: [{ topic, partitions: members.map(({ batch }) => ({ partition: batch.partition, offset: nextOffset(batch.lastOffset()) })) }],
        });
        step('offsets');
        await transaction.commit();
        step('end');
      } catch (error) {
        forgetCoordinators();
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
      log.warn({ topic, partition: letter.partition, offset: letter.offset, reason: letter.reason },
        'record sent to the dead-letter topic; `npm run dlq -- list` shows it, `replay` re-drives it after a fix');
    }
  }

  return {
    async start() {
      stopTiming = onStatement(deps.db, (text, milliseconds) =>
        deps.metrics.statementSeconds.observe({ statement: statementName(text) }, milliseconds / 1000));
      consumer = deps.kafka.consumer({
        groupId: deps.groupId,
        readUncommitted: false,
        minBytes: deps.fetchWaitMs ? 65_536 : 1,
        maxWaitTimeInMs: deps.fetchWaitMs || 5_000,
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
      stopTiming();
      log.info('resolver stopped');
    },
  };
}

/**
 * The value of each envelope id's first record, which is the one resolved (`firstOfEachEnvelope`), when the
 * publisher checked it: the resolved record is spliced from those bytes.
 */
function recordBytes(items: InboundItem[]): Map<string, Buffer> {
  return new Map(firstOfEachEnvelope(items).flatMap(({ envelope, json }) => (json ? [[envelope.id, json] as const] : [])));
}

/** Reports the time since the last step (or since it was made) under each step's name. */
function stepTimer(report: (name: string, seconds: number) => void): (name: string) => void {
  let last = process.hrtime.bigint();
  return (name) => {
    const now = process.hrtime.bigint();
    report(name, Number(now - last) / 1e9);
    last = now;
  };
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
