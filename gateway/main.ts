import { runProcess } from '../runtime/process.js';

/**
 * The `web` process: the HTTP gateway (webhooks, API channel, admin API), with its ops endpoints on PORT, served
 * by `WEB_CONCURRENCY` workers (a node cluster) when it is more than 1. The gateway's modules are loaded in
 * `start`, so a cluster's primary, which only hands connections to the workers, does not hold them (~20 MB).
 */
await runProcess({
  name: 'gateway',
  address: (config) => config.http,
  workers: (config) => config.http.workers,
  async start({ config, logger, registry }) {
    const [{ connectKafka, connectProducer }, { createDb }, { createGateway }] = await Promise.all([
      import('../config/kafka.js'), import('../db/client.js'), import('./gateway.js')]);
    const db = createDb(config.database, logger);
    const kafka = await connectKafka(config.kafka, logger);
    const producer = await connectProducer(kafka.kafka);
    const gateway = createGateway(config, { db, producer, kafka: kafka.kafka, logger, registry, clock: () => new Date(),
      readiness: { database: () => db.raw('SELECT 1'), kafka: kafka.ping } });
    await gateway.start();
    logger.info({ inboundTopic: config.kafka.topics.inbound }, 'gateway ready');
    return {
      readiness: gateway.deps.ops.readiness,
      handler: gateway.listener,
      closing: () => gateway.deps.liveEvents?.endStreams(),
      async stop() {
        await gateway.stop();
        await producer.disconnect();
        await kafka.disconnect();
        await db.destroy();
      },
    };
  },
});
