import type { Producer } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { deleteEvents, takePendingEvents } from '../db/repositories/outbox.js';

export interface EventRelay {
  /** Publishes whatever is pending now; resolves when done, never throws (leftovers wait for the next tick). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Moves contact events from the outbox table to Kafka: after each change (`flush`) and on a timer, so
 * events written just before a crash or a Kafka outage still go out. Delivery is at least once: an event
 * whose Kafka write succeeded but whose deletion did not is sent again (consumers dedupe on `id`).
 */
export function createEventRelay(deps: { db: Db; producer: Producer; topic: string; logger: Logger; intervalMs?: number;
  batchSize?: number }): EventRelay {
  const log = deps.logger.child({ module: 'event-relay' });
  const batchSize = deps.batchSize ?? 500;
  let running: Promise<void> | undefined;
  let again = false;

  async function relayOnce(): Promise<number> {
    return deps.db.transaction(async (trx) => {
      const rows = await takePendingEvents(trx, batchSize);
      if (!rows || rows.length === 0) return 0;
      await deps.producer.send({
        topic: deps.topic,
        acks: -1,
        messages: rows.map((row) => ({
          key: row.key,
          value: JSON.stringify({ id: String(row.id), ...row.payload }),
          headers: { 'event-type': row.type },
        })),
      });
      await deleteEvents(trx, rows.map((row) => row.id));
      return rows.length;
    });
  }

  async function drain(): Promise<void> {
    try {
      while ((await relayOnce()) === batchSize);
    } catch (error) {
      log.warn({ err: error }, 'contact events not relayed yet; will retry');
    }
  }

  function flush(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void flush();
      }
    });
    return running;
  }

  const timer = setInterval(() => void flush(), deps.intervalMs ?? 2_000);
  timer.unref();
  return {
    flush,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
