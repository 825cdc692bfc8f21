import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../config/logger.js';
import { envelopeSchema, type Envelope } from '../envelope.js';
import type { ConnectorStateStore, Normalised, Publish, StreamReport } from '../types.js';

/** Envelopes Kafka has not acknowledged yet, kept in the connector's state: `outbox:<envelope id>`. */
const OUTBOX = 'outbox:';

export interface Delivery {
  /** Queues one event's work; the queue runs one at a time, in order. */
  enqueue(work: () => Promise<Normalised>): void;
  /** Publishes what an earlier run left in the outbox. */
  resendSpilled(): Promise<void>;
  /** Waits for the queue (up to `timeoutMs`); whatever is still unacknowledged is saved to the outbox. */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * Gets messages from a source that will not send them again onto Kafka. Baileys acknowledges a message to
 * WhatsApp before it hands it to us, so the socket cannot be asked for it twice: a publish that fails is
 * retried with backoff, and its envelopes are first saved to PostgreSQL (the outbox), so neither a Kafka
 * outage nor a stop in the middle loses them. The next run publishes what the outbox holds; envelope ids keep
 * anything published twice from resolving twice.
 */
export function createDelivery(deps: { store: ConnectorStateStore; publish: Publish; report: StreamReport; logger: Logger;
  signal: AbortSignal; retry?: { initialMs: number; maxMs: number } }): Delivery {
  const { store, report, logger: log, signal } = deps;
  const retry = deps.retry ?? { initialMs: 500, maxMs: 30_000 };
  const unacknowledged = new Map<string, Envelope>();
  let queue: Promise<void> = Promise.resolve();

  async function deliver(envelopes: Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    for (const envelope of envelopes) unacknowledged.set(envelope.id, envelope);
    let spilled = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.publish(envelopes);
        break;
      } catch (error) {
        if (!spilled) {
          await spill(envelopes);
          spilled = true;
          log.warn({ err: error, envelopes: envelopes.length }, 'publishing failed; the messages are kept in the outbox and retried');
        }
        if (signal.aborted) return;
        await sleep(Math.min(retry.maxMs, retry.initialMs * 2 ** (attempt - 1)), undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return;
      }
    }
    for (const envelope of envelopes) unacknowledged.delete(envelope.id);
    if (spilled) await store.set(Object.fromEntries(envelopes.map((envelope) => [OUTBOX + envelope.id, null])));
    report.published(envelopes.length);
  }

  async function spill(envelopes: Envelope[]): Promise<void> {
    await store.set(Object.fromEntries(envelopes.map((envelope) => [OUTBOX + envelope.id, envelope])));
  }

  return {
    enqueue(work) {
      queue = queue.then(async () => {
        let normalised: Normalised;
        try {
          normalised = await work();
        } catch (error) {
          log.error({ problem: (error as Error).message }, 'an event that cannot be read was skipped');
          report.skipped([{ reason: 'unreadable', type: 'whatsapp:event' }]);
          return;
        }
        const { envelopes, skipped } = normalised;
        report.skipped(skipped);
        for (const event of skipped) log.debug({ reason: event.reason, why: event.type }, 'not a customer message');
        await deliver(envelopes);
      }).catch((error: unknown) => log.error({ err: error }, 'an event could not be delivered'));
    },
    async resendSpilled() {
      const kept = await store.list(OUTBOX);
      if (kept.size === 0) return;
      const stored = [...kept.values()].flatMap((value) => {
        const parsed = envelopeSchema.safeParse(value);
        return parsed.success ? [parsed.data] : [];
      });
      log.info({ envelopes: stored.length }, 'publishing what the last run left in the outbox');
      if (stored.length > 0) await deps.publish(stored);
      await store.clear(OUTBOX);
      report.published(stored.length);
    },
    async drain(timeoutMs = 10_000) {
      const waited = new AbortController();
      const timer = sleep(timeoutMs, 'timeout' as const, { signal: waited.signal }).catch(() => 'done' as const);
      const outcome = await Promise.race([queue.then(() => 'done' as const), timer]);
      waited.abort();
      if (outcome === 'timeout' && unacknowledged.size > 0) {
        log.warn({ envelopes: unacknowledged.size }, 'stopping with messages Kafka has not acknowledged: kept in the outbox for the next run');
      }
      if (unacknowledged.size > 0) await spill([...unacknowledged.values()]).catch((error: unknown) => log.error({ err: error }, 'could not save the outbox'));
    },
  };
}
