import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import type { ResolvedEnvelope } from '../connectors/envelope.js';

/** One contact event: as published on the contact-events topic (type and JSON untouched), or a `contact.created`. */
export interface LiveEvent {
  type: string;
  json: string;
}

export type LiveListener = (event: LiveEvent) => void;

export interface LiveEvents {
  /**
   * Calls `listener` with every contact event published from now on, and `onEnd` if the gateway ends the stream
   * itself (`endStreams`). Resolves, with the way to stop listening, once the gateway reads the topics (the
   * console says "live" only then).
   */
  subscribe(listener: LiveListener, onEnd: () => void): Promise<() => void>;
  /** Ends every open stream (`onEnd`), as the gateway stops accepting: a console reconnects to another gateway. */
  endStreams(): void;
  stop(): Promise<void>;
}

/**
 * Contact events as the console sees them: the contact-events topic as it is, and `contact.created` for each
 * resolved record whose contact the resolver just made (`contact.isNew`; the resolver puts no second message on
 * its hot path for what that record already says). One Kafka consumer per gateway process, in a group of its own
 * (every gateway sees every event) that starts at the end of the topics, started when the first console listens
 * and stopped when none has listened for `idleMs`: while nobody watches, it costs nothing. A console that
 * reconnects reloads what it shows, so what was published while nobody listened is not replayed.
 */
export function createLiveEvents(deps: { kafka: Kafka; topics: { contactEvents: string; resolved: string }; logger: Logger;
  idleMs?: number }): LiveEvents {
  const log = deps.logger.child({ module: 'live-events' });
  const listeners = new Map<LiveListener, () => void>();
  let consumer: Promise<Consumer> | undefined;
  let idle: NodeJS.Timeout | undefined;

  async function start(): Promise<Consumer> {
    const started = deps.kafka.consumer({ groupId: `tributary-console-${randomUUID()}`, maxWaitTimeInMs: 500,
      sessionTimeout: 30_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false });
    const joined = new Promise<void>((resolve) => started.on(started.events.GROUP_JOIN, () => resolve()));
    try {
      await started.connect();
      await started.subscribe({ topics: [deps.topics.contactEvents, deps.topics.resolved], fromBeginning: false });
      await started.run({
        autoCommit: false,
        eachMessage: async ({ topic, message }) => {
          const event = topic === deps.topics.resolved ? createdEvent(message.value) : {
            type: message.headers?.['event-type']?.toString() ?? 'unknown', json: message.value?.toString('utf8') ?? '{}' };
          if (event) for (const listener of listeners.keys()) listener(event);
        },
      });
      await joined;
      log.info({ topics: deps.topics }, 'reading contact events for the console');
      return started;
    } catch (error) {
      consumer = undefined;
      await started.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async function stopConsumer(): Promise<void> {
    const running = consumer;
    consumer = undefined;
    await (await running?.catch(() => undefined))?.disconnect();
  }

  function endStreams(): void {
    const ends = [...listeners.values()];
    listeners.clear();
    for (const end of ends) end();
  }

  return {
    async subscribe(listener, onEnd) {
      clearTimeout(idle);
      consumer ??= start();
      await consumer;
      listeners.set(listener, onEnd);
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        clearTimeout(idle);
        idle = setTimeout(() => void stopConsumer().catch((error: unknown) => log.warn({ err: error }, 'stopping failed')),
          deps.idleMs ?? 60_000);
        idle.unref();
      };
    },
    endStreams,
    async stop() {
      clearTimeout(idle);
      endStreams();
      await stopConsumer();
    },
  };
}

/** `contact.created` for a resolved record that made its contact; nothing for the others (most of them). */
function createdEvent(value: Buffer | null): LiveEvent | undefined {
  // Most records are not new: a look at the bytes spares parsing them.
  if (!value?.includes('"isNew":true')) return undefined;
  let record: ResolvedEnvelope;
  try {
    record = JSON.parse(value.toString('utf8')) as ResolvedEnvelope;
  } catch {
    return undefined;
  }
  if (record.contact?.isNew !== true) return undefined;
  return { type: 'contact.created', json: JSON.stringify({ type: 'contact.created', contactId: record.contact.id,
    displayName: record.contact.displayName, channel: record.channel, envelopeId: record.id, at: record.resolvedAt }) };
}
