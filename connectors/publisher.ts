import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import { withTimeout } from '../config/timeout.js';
import { senderKey, type Envelope } from './envelope.js';

/** Kafka did not acknowledge: the caller must answer 503 so that the provider retries. Always retriable. */
export class PublishError extends Error {
  override name = 'PublishError';
  readonly retriable = true;
}

export interface Publisher {
  /** Resolves once Kafka has acknowledged every envelope (acks from all in-sync replicas). */
  publish(envelopes: Envelope[]): Promise<void>;
}

interface Pending {
  messages: Message[];
  done: () => void;
  fail: (error: Error) => void;
}

/**
 * Publishes envelopes to the inbound topic, keyed by sender. Calls that arrive while a send is in flight
 * are coalesced into the next single produce request, so many concurrent webhooks cost few round trips.
 */
export function createPublisher(deps: { producer: Producer; topic: string; timeoutMs: number; logger: Logger }): Publisher {
  const log = deps.logger.child({ module: 'publisher' });
  let queue: Pending[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await withTimeout(
          deps.producer.send({ topic: deps.topic, acks: -1, messages: batch.flatMap((p) => p.messages) }),
          deps.timeoutMs,
          `no acknowledgement within ${deps.timeoutMs} ms`,
        );
        for (const pending of batch) pending.done();
      } catch (error) {
        log.error({ err: error, topic: deps.topic, size: batch.length }, 'publish failed');
        const failure = new PublishError(`Kafka did not acknowledge the message: ${(error as Error).message}`);
        for (const pending of batch) pending.fail(failure);
      }
    }
    flushing = false;
  }

  return {
    publish(envelopes) {
      if (envelopes.length === 0) return Promise.resolve();
      const messages = envelopes.map((envelope) => ({
        key: senderKey(envelope.sender),
        value: JSON.stringify(envelope),
        headers: { 'envelope-id': envelope.id, channel: envelope.channel },
      }));
      return new Promise<void>((done, fail) => {
        queue.push({ messages, done, fail });
        if (!flushing) void flush();
      });
    },
  };
}
