import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import { TimeoutError, withTimeout } from '../config/timeout.js';
import { describeIssue, PayloadError } from '../identity/parse.js';
import { CHECKED_HEADER, CHECKED_VERSION, envelopeSchema, senderKey, type Envelope } from './envelope.js';

/** Kafka did not acknowledge: the caller must answer 503 so that the provider retries. Always retriable. */
export class PublishError extends Error {
  override name = 'PublishError';
  readonly retriable = true;
}

/** An envelope larger than a Kafka record may be (the broker's default `max.message.bytes`): answered 413. */
export class RecordTooLargeError extends PayloadError {
  override name = 'RecordTooLargeError';
}

export interface Publisher {
  /**
   * Resolves once Kafka has acknowledged every envelope (acks from all in-sync replicas). Rejects with a
   * PayloadError naming the field when an envelope breaks the contract: nothing of that call is queued.
   */
  publish(envelopes: Envelope[]): Promise<void>;
}

/** The largest record the default broker accepts (`message.max.bytes`), less room for key and headers. */
export const MAX_RECORD_BYTES = 1_000_000;
/** Calls coalesced into one produce request carry at most this much, so no record batch nears the broker's limit. */
const MAX_COALESCED_BYTES = 512 * 1024;

interface Pending {
  messages: Message[];
  bytes: number;
  done: () => void;
  fail: (error: Error) => void;
}

/**
 * Publishes envelopes to the inbound topic, keyed by sender. Calls that arrive while a send is in flight (or
 * within `lingerMs` of the first) are coalesced into the next produce request, so many concurrent webhooks cost
 * few round trips. A call's records
 * stand or fall together and apart from the others': when Kafka refuses a coalesced request, each call is sent
 * again alone, so one bad record fails only the request it came from.
 */
export function createPublisher(deps: { producer: Producer; topic: string; timeoutMs: number; logger: Logger;
  /** How long the first call waits for others to share its produce request (KAFKA_LINGER_MS); 0 sends at once. */
  lingerMs?: number }): Publisher {
  const log = deps.logger.child({ module: 'publisher' });
  const lingerMs = deps.lingerMs ?? 0;
  let queue: Pending[] = [];
  let flushing = false;

  const send = (messages: Message[]) => withTimeout(deps.producer.send({ topic: deps.topic, acks: -1, messages }), deps.timeoutMs,
    `no acknowledgement within ${deps.timeoutMs} ms`);

  async function flush(): Promise<void> {
    flushing = true;
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        await send(batch.flatMap((pending) => pending.messages));
        for (const pending of batch) pending.done();
      } catch (error) {
        // After a timeout Kafka is not answering: asking again, one call at a time, would only double the wait.
        if (batch.length > 1 && !(error instanceof TimeoutError)) {
          log.warn({ err: error, calls: batch.length }, 'a coalesced publish was refused; sending each call alone');
          await Promise.all(batch.map(sendAlone));
        } else {
          log.error({ err: error, topic: deps.topic, calls: batch.length }, 'publish failed');
          for (const pending of batch) pending.fail(refusal(error));
        }
      }
    }
    flushing = false;
  }

  async function sendAlone(pending: Pending): Promise<void> {
    try {
      await send(pending.messages);
      pending.done();
    } catch (error) {
      log.error({ err: error, topic: deps.topic }, 'publish failed');
      pending.fail(refusal(error));
    }
  }

  /** The oldest calls, up to MAX_COALESCED_BYTES together (always at least one). */
  function takeBatch(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < queue.length && (count === 0 || bytes + queue[count]!.bytes <= MAX_COALESCED_BYTES)) bytes += queue[count++]!.bytes;
    const batch = queue.slice(0, count);
    queue = queue.slice(count);
    return batch;
  }

  return {
    publish(envelopes) {
      if (envelopes.length === 0) return Promise.resolve();
      let messages: Message[];
      try {
        messages = envelopes.map((envelope, index) => envelopeRecord(envelope, index));
      } catch (error) {
        return Promise.reject(error);
      }
      const bytes = messages.reduce((sum, message) => sum + (message.value as Buffer).length, 0);
      return new Promise<void>((done, fail) => {
        queue.push({ messages, bytes, done, fail });
        if (flushing) return;
        flushing = true;
        // While a send is in flight, calls gather by themselves; when none is, the first waits a moment for company.
        if (lingerMs > 0) setTimeout(() => void flush(), lingerMs);
        else void flush();
      });
    },
  };
}

/** Checks an envelope against the contract and makes its record as the publisher sends it; a PayloadError names what is wrong. */
export function envelopeRecord(envelope: Envelope, index = 0): Message {
  const checked = envelopeSchema.safeParse(envelope);
  if (!checked.success) {
    const { field, message } = describeIssue(checked.error.issues[0]!, ['envelopes', index]);
    throw new PayloadError(`the message cannot be published: ${message}`, field);
  }
  // What the contract kept (zod drops keys it does not know), so the resolver may take these bytes as they are.
  const value = Buffer.from(JSON.stringify(checked.data));
  if (value.length > MAX_RECORD_BYTES) {
    throw new RecordTooLargeError(`the message is ${value.length} bytes as an envelope; the queue takes at most ${MAX_RECORD_BYTES}`,
      `envelopes[${index}]`);
  }
  return { key: senderKey(envelope.sender), value,
    headers: { 'envelope-id': envelope.id, channel: envelope.channel, [CHECKED_HEADER]: CHECKED_VERSION } };
}

/** What a failed send means for its caller: a record Kafka will never take is the request's fault, anything else is Kafka's. */
function refusal(error: unknown): Error {
  const type = (error as { type?: string }).type;
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') {
    return new RecordTooLargeError('Kafka refused the message as too large');
  }
  if (type === 'INVALID_RECORD' || type === 'CORRUPT_MESSAGE') return new PayloadError(`Kafka refused the message: ${type}`);
  return new PublishError(`Kafka did not acknowledge the message: ${(error as Error).message}`);
}
