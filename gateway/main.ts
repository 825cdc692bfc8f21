import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/index.js';
import { createKafka, ensureTopics, producerDefaults } from '../config/kafka.js';
import { runProcess } from '../config/lifecycle.js';
import { createLogger } from '../config/logger.js';
import { createPublisher } from '../connectors/publisher.js';
import { createDb } from '../db/client.js';
import { createApiKey } from '../db/repositories/api-keys.js';
import { createApp } from './app.js';
import { createAuthenticator } from './auth.js';
import { createGatewayMetrics } from './metrics.js';
import { createEventRelay } from './event-relay.js';
import { createAdmin } from './admin.js';
import { createWebhookRegistry } from '../connectors/registry.js';

/** The `web` process: the HTTP gateway (webhooks, API channel, health and metrics). */
const config = loadConfig();
const logger = createLogger(config.logLevel, 'gateway');

await runProcess(logger, async () => {
  const db = createDb(config.database, logger);
  const kafka = createKafka(config.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka);
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  if (config.ownerApiKey) {
    await createApiKey(db, { name: 'bootstrap owner (OWNER_API_KEY)', role: 'owner', key: config.ownerApiKey });
  }

  const webhooks = createWebhookRegistry(config.webhooks);
  logger.info({
    enabled: webhooks.enabled.map((connector) => connector.name),
    disabled: Object.fromEntries(webhooks.disabled.map((channel) => [channel.name, channel.reason])),
  }, 'webhook channels');
  const events = createEventRelay({ db, producer, topic: config.kafka.topics.contactEvents, logger });
  const clock = () => new Date();
  const contactAdmin = createAdmin({ db, events, logger, clock });
  await contactAdmin.deleteJobs.resume();
  const app = createApp({
    ...contactAdmin,
    db,
    authenticate: createAuthenticator(db, config.http.apiKeyCacheMs),
    publisher: createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger }),
    events,
    webhooks,
    logger,
    metrics: createGatewayMetrics(),
    readiness: { database: () => db.raw('SELECT 1'), kafka: () => admin.describeCluster() },
    maxBodyBytes: config.http.maxBodyBytes,
    clock: () => new Date(),
  });
  const server = app.listen(config.http.port, config.http.host);
  await new Promise<void>((ready, fail) => server.once('listening', ready).once('error', fail));
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${config.http.host}:${port}`, inboundTopic: config.kafka.topics.inbound }, 'gateway listening');

  return async () => {
    await new Promise<void>((closed) => server.close(() => closed()));
    await contactAdmin.deleteJobs.stop();
    await events.stop();
    await producer.disconnect();
    await admin.disconnect();
    await db.destroy();
  };
});
