import type { Kafka, Producer } from 'kafkajs';
import { producerDefaults } from '../config/kafka.js';

/**
 * Transactional producers for partitions resolved at the same time: a producer runs one transaction at a
 * time, so each concurrent batch borrows its own, and consecutive transactions take turns. Ids are
 * `<base>-<n>`, stable, so a restarted resolver with the same base id fences its predecessor's producers and
 * aborts their open transactions.
 */
export class ProducerPool {
  private readonly idle: Producer[];
  private readonly waiting: ((producer: Producer) => void)[] = [];

  constructor(private readonly producers: Producer[]) {
    this.idle = [...producers];
  }

  static create(kafka: Kafka, baseTransactionalId: string, size: number): ProducerPool {
    return new ProducerPool(Array.from({ length: size }, (_, index) => kafka.producer({
      ...producerDefaults,
      transactionalId: `${baseTransactionalId}-${index}`,
      idempotent: true,
      maxInFlightRequests: 1,
      // A resolver killed mid-transaction holds back read_committed readers until the broker aborts it:
      // keep that short. (A restart with the same RESOLVER_TRANSACTIONAL_ID aborts it at once.)
      transactionTimeout: 15_000,
    })));
  }

  async connect(): Promise<void> {
    await Promise.all(this.producers.map((producer) => producer.connect()));
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.producers.map((producer) => producer.disconnect()));
  }

  async use<T>(work: (producer: Producer) => Promise<T>): Promise<T> {
    // The producer idle longest, not the one just returned: Kafka finishes a commit (its markers) after EndTxn
    // answers, and a transaction begun on the same id before then is refused with CONCURRENT_TRANSACTIONS, which
    // kafkajs retries after 300 ms or more. Taken in turn, each id rests for the pool's other transactions.
    const producer = this.idle.shift() ?? (await new Promise<Producer>((lend) => this.waiting.push(lend)));
    try {
      return await work(producer);
    } finally {
      const next = this.waiting.shift();
      if (next) next(producer);
      else this.idle.push(producer);
    }
  }
}
