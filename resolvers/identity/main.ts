import { connectKafka } from '../../config/kafka.js';
import { createDb } from '../../db/client.js';
import { recordConfiguredAddresses } from '../business.js';
import { runProcess } from '../../runtime/process.js';
import { startMaintenance } from '../maintenance.js';
import { createResolverMetrics } from '../metrics.js';
import { createResolver } from './consumer.js';

/** The `resolver` process: inbound envelopes → contacts → the resolved topic. Ops endpoints on RESOLVER_METRICS_PORT. */
await runProcess({
  name: 'resolver',
  address: (config) => ({ host: config.http.host, port: config.resolver.metricsPort }),
  async start({ config, logger, registry }) {
    const db = createDb(config.database, logger);
    await recordConfiguredAddresses(db, config.resolver.businessAddresses, logger);
    const kafka = await connectKafka(config.kafka, logger);
    const resolver = createResolver({ kafka: kafka.kafka, db, topics: config.kafka.topics, logger,
      metrics: createResolverMetrics(registry), groupId: config.resolver.groupId,
      transactionalId: config.resolver.transactionalId, maxBatchBytes: config.resolver.maxBatchBytes,
      concurrency: config.resolver.concurrency, fetchWaitMs: config.resolver.fetchWaitMs });
    await resolver.start();
    const maintenance = startMaintenance({ db, logger, ledgerRetentionDays: config.resolver.ledgerRetentionDays });
    return {
      readiness: { database: () => db.raw('SELECT 1'), kafka: kafka.ping },
      async stop() {
        await maintenance.stop();
        await resolver.stop();
        await kafka.disconnect();
        await db.destroy();
      },
    };
  },
});
