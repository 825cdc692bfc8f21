import { Counter, Histogram, Registry } from 'prom-client';

export type ResolverMetrics = ReturnType<typeof createResolverMetrics>;

/**
 * The resolver's Prometheus metrics, on the process's registry (the runtime adds Node's default ones), or on
 * a registry of their own: tests run several resolvers in one process.
 */
export function createResolverMetrics(registry = new Registry()) {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  return {
    registry,
    consumed: counter('tributary_resolver_messages_in_total', 'Inbound records read by the resolver.'),
    resolved: counter('tributary_resolver_messages_out_total', 'Records published to the resolved topic.'),
    dropped: counter('tributary_resolver_messages_dropped_total', 'Messages from blocked contacts, dropped silently.'),
    duplicates: counter('tributary_resolver_duplicate_deliveries_total', 'Envelope ids already resolved from another offset.'),
    deadLettered: new Counter({ name: 'tributary_resolver_messages_dlq_total',
      help: 'Records sent to the dead-letter topic, by why: unreadable (empty, not JSON), invalid_envelope, resolve_failed.',
      labelNames: ['reason'], registers: [registry] }),
    flagged: counter('tributary_resolver_duplicates_flagged_total', 'Potential duplicate contacts flagged.'),
    retries: counter('tributary_resolver_db_retries_total', 'Batches retried after a retriable database error.'),
    batchSeconds: new Histogram({
      name: 'tributary_resolver_batch_seconds', help: 'Time to resolve and commit one batch.', registers: [registry],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    phaseSeconds: new Histogram({
      name: 'tributary_resolver_phase_seconds',
      help: 'Time one batch spends in each phase: parse (JSON and validation), resolve (the PostgreSQL transaction), commit (the Kafka transaction); '
        + 'and in each step of commit: commit_records (adding the partitions and producing the records), commit_offsets (the consumer offsets), commit_end (EndTxn).',
      labelNames: ['phase'], registers: [registry], buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    statementSeconds: new Histogram({
      name: 'tributary_resolver_statement_seconds',
      help: 'Time each statement of a batch\'s PostgreSQL transaction takes, by its name (batch.open, batch.write, …, BEGIN, COMMIT).',
      labelNames: ['statement'], registers: [registry], buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
    batchSize: new Histogram({
      name: 'tributary_resolver_batch_size', help: 'Records per consumed batch.', registers: [registry],
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    }),
  };
}
