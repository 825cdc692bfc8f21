import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { loadConfig } from '../../config/index.js';
import type { Topics } from '../../config/topics.js';
import { connectProducer } from '../../config/kafka.js';
import { createLogger } from '../../config/logger.js';
import type { Contacts } from '../../contacts/index.js';
import type { WebhookRegistry } from '../../connectors/registry.js';
import { createApiKey } from '../../db/repositories/api-keys.js';
import { createHttp, type AppDeps } from '../../gateway/app.js';
import { createGateway } from '../../gateway/gateway.js';
import { createResolver, type Resolver } from '../../resolvers/identity/consumer.js';
import { createResolverMetrics, type ResolverMetrics } from '../../resolvers/metrics.js';
import { createTestDb, type TestDb } from './db.js';
import { createTestTopics, testKafka, TopicReader } from './kafka.js';
import { TEST_WEBHOOKS } from './webhooks.js';

export const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** A gateway on a random port and resolvers, wired to a database and topics of their own. */
export interface Harness {
  kafka: Kafka;
  topics: Topics;
  testDb: TestDb;
  baseUrl: string;
  app: Express;
  /** Another gateway on the same database and topics, with some dependencies swapped, as its server would run it. */
  appWith(overrides: Partial<AppDeps>): RequestListener;
  /** The webhook connectors the gateway runs, configured with `TEST_WEBHOOKS`. */
  webhooks: WebhookRegistry;
  /** The contact events the gateway streams to consoles. */
  liveEvents: AppDeps['liveEvents'];
  ownerKey: string;
  /** The contacts domain the gateway runs on. */
  contacts: Contacts;
  groupId: string;
  startResolver(): Promise<Resolver>;
  /** The metrics every resolver the harness started counts on. */
  resolverMetrics: ResolverMetrics;
  /** A reader of one of the harness's topics from its beginning, closed by `close()`. */
  read(topic: keyof Topics): Promise<TopicReader>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Any admin API call, as the owner unless another key is given; redirects are returned, not followed. */
  call(method: string, path: string, options?: { body?: unknown; key?: string }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

export interface HarnessOptions {
  resolvers?: number;
  partitions?: number;
  apiKeyCacheMs?: number;
  /** More settings for the gateway, as environment variables (`SEARCH_TIMEOUT_MS`, `IMPORT_MAX_BYTES`, …). */
  env?: NodeJS.ProcessEnv;
  /** The PostgreSQL server to make the suite's database on (`postgres://…` without a database name). */
  databaseServer?: string;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const kafka = testKafka();
  const topics = await createTestTopics(kafka, options.partitions ?? 3);
  const testDb = await createTestDb(options.databaseServer);
  const ownerKey = `test-owner-${randomBytes(12).toString('hex')}`;
  await createApiKey(testDb.db, { name: 'test owner', role: 'owner', key: ownerKey });
  const producer: Producer = await connectProducer(kafka);
  // The gateway is built as gateway/main.ts builds it, from configuration, on the test's database and topics.
  const config = loadConfig({ DATABASE_URL: testDb.url, KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: topics.inbound.replace('tributary.inbound.v1', ''), API_KEY_CACHE_MS: String(options.apiKeyCacheMs ?? 500),
    ...testWebhookEnv(), ...options.env });
  const gateway = createGateway(config, { db: testDb.db, producer, kafka, logger, registry: new Registry(), clock: () => new Date(),
    readiness: { database: () => testDb.db.raw('SELECT 1') } });
  await gateway.start();
  const { deps, app } = gateway;
  const server: Server = await new Promise((ready) => { const s = createServer(gateway.listener).listen(0, '127.0.0.1', () => ready(s)); });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const groupId = `resolver-${randomBytes(5).toString('hex')}`;
  const resolvers: Resolver[] = [];
  const resolverMetrics = createResolverMetrics();
  const readers: TopicReader[] = [];

  const harness: Harness = {
    kafka, topics, testDb, baseUrl, ownerKey, groupId, app, contacts: gateway.contacts, resolverMetrics,
    appWith: (overrides) => createHttp({ ...deps, ...overrides }).listener,
    webhooks: deps.webhooks,
    liveEvents: deps.liveEvents,
    async startResolver() {
      const resolver = createResolver({ kafka, db: testDb.db, topics, groupId, logger, metrics: resolverMetrics,
        transactionalId: `${groupId}-${resolvers.length}`, maxBatchBytes: 1_048_576, concurrency: 2 });
      await resolver.start();
      resolvers.push(resolver);
      return resolver;
    },
    async read(topic) {
      const reader = await TopicReader.open(kafka, topics[topic]);
      readers.push(reader);
      return reader;
    },
    async post(path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerKey}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async call(method, path, options = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? ownerKey}` },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      const json = response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text;
      return { status: response.status, body: json, headers: response.headers };
    },
    async close() {
      await Promise.all(readers.map((reader) => reader.close()));
      await Promise.all(resolvers.map((resolver) => resolver.stop()));
      await new Promise((closed) => server.close(closed));
      await gateway.stop();
      await producer.disconnect();
      await testDb.drop();
    },
  };
  for (let i = 0; i < (options.resolvers ?? 1); i++) await harness.startResolver();
  return harness;
}

/** TEST_WEBHOOKS as the environment variables that configure them. */
function testWebhookEnv(): NodeJS.ProcessEnv {
  const { twilio, meta, telegram, webchat } = TEST_WEBHOOKS;
  return { WEBCHAT_SECRET: webchat.secrets.join(','), WEBCHAT_MESSAGES_PER_MINUTE: String(webchat.messagesPerMinute),
    WEBCHAT_SESSIONS_PER_MINUTE: String(webchat.sessionsPerMinute), TWILIO_AUTH_TOKEN: twilio.authToken, PUBLIC_URL: twilio.publicUrl, META_APP_SECRET: meta.appSecret,
    META_VERIFY_TOKEN: meta.verifyToken, TELEGRAM_BOT_TOKEN: telegram.botToken, TELEGRAM_WEBHOOK_SECRET: telegram.webhookSecret,
    TELEGRAM_MODE: telegram.mode, TELEGRAM_API_ROOT: telegram.apiRoot, TELEGRAM_POLL_TIMEOUT_S: String(telegram.pollTimeoutS) };
}
