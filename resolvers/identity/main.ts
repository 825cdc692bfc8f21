import { createServer } from 'node:http';
import { loadConfig } from '../../config/index.js';
import { createKafka, ensureTopics } from '../../config/kafka.js';
import { runProcess } from '../../config/lifecycle.js';
import { createLogger } from '../../config/logger.js';
import { createDb } from '../../db/client.js';
import { checkReadiness } from '../../config/readiness.js';
import { createResolverMetrics } from '../metrics.js';
import { createResolver } from './consumer.js';

/** The `resolver` process: inbound envelopes → contacts → the resolved topic. Metrics on RESOLVER_METRICS_PORT. */
const config = loadConfig();
const logger = createLogger(config.logLevel, 'resolver');

await runProcess(logger, async () => {
  const db = createDb(config.database, logger);
  const kafka = createKafka(config.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka);
  const metrics = createResolverMetrics();
  const resolver = createResolver({ kafka, db, topics: config.kafka.topics, logger, metrics,
    groupId: config.resolver.groupId, transactionalId: config.resolver.transactionalId,
    maxBatchBytes: config.resolver.maxBatchBytes, concurrency: config.resolver.concurrency });
  await resolver.start();

  const readiness = { database: () => db.raw('SELECT 1'), kafka: () => admin.describeCluster() };
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === '/readyz') {
      const { ready, body } = await checkReadiness(readiness);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found"}}');
    }
  }).listen(config.resolver.metricsPort, config.http.host);
  logger.info({ metrics: `http://${config.http.host}:${config.resolver.metricsPort}/metrics` }, 'resolver metrics listening');

  return async () => {
    server.close();
    await resolver.stop();
    await admin.disconnect();
    await db.destroy();
  };
});
