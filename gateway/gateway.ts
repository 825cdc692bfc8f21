import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Kafka, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { createContacts, type Contacts } from '../contacts/index.js';
import { createPublisher } from '../connectors/publisher.js';
import { createWebhookRegistry } from '../connectors/registry.js';
import type { Db } from '../db/client.js';
import { perMinuteLimiter } from '../runtime/cluster.js';
import type { ReadinessChecks } from '../runtime/readiness.js';
import { createHttp, type AppDeps } from './app.js';
import { createAuthenticator } from './auth.js';
import { createLiveEvents } from './live-events.js';
import { createGatewayMetrics } from './metrics.js';

/** What the gateway runs on, built by its process (or by a test) from the same configuration. */
export interface GatewayInfra {
  db: Db;
  /** An idempotent producer: inbound envelopes, and contact events from the outbox. */
  producer: Producer;
  /** For the console's live updates: the contact-events topic is read only while a console listens. */
  kafka?: Kafka;
  logger: Logger;
  registry: Registry;
  /** Checks of what the gateway depends on (PostgreSQL, Kafka), for `/readyz`. */
  readiness: ReadinessChecks;
  clock: () => Date;
}

export interface Gateway {
  /** Every route, as express serves them (`listener` hands it what the fast path leaves). */
  app: Express;
  /** What the HTTP server runs. */
  listener: RequestListener;
  contacts: Contacts;
  /** The dependencies the app was built with, for a test that builds another app with some swapped. */
  deps: AppDeps;
  /** Registers the bootstrap owner key and resumes background jobs. */
  start(): Promise<void>;
  /** Lets background jobs reach a batch boundary and relays the last contact events. */
  stop(): Promise<void>;
}

/** The HTTP gateway: webhooks, the API channel, the admin API and the ops endpoints, wired from configuration. */
export function createGateway(config: Readonly<Config>, infra: GatewayInfra): Gateway {
  const { db, producer, logger, clock } = infra;
  const contacts = createContacts({ db, producer, eventsTopic: config.kafka.topics.contactEvents, logger, clock,
    searchTimeoutMs: config.http.searchTimeoutMs, imports: { maxRows: config.imports.maxRows } });
  const webhooks = createWebhookRegistry(config.webhooks, { webchat: { store: contacts.webchat.store, perMinute: perMinuteLimiter } });
  logger.info({
    enabled: webhooks.enabled.map((connector) => connector.name),
    disabled: Object.fromEntries(webhooks.disabled.map((channel) => [channel.name, channel.reason])),
  }, 'webhook channels');
  const deps: AppDeps = {
    contacts,
    authenticate: createAuthenticator(contacts.access.find, config.http.apiKeyCacheMs),
    publisher: createPublisher({ producer, topic: config.kafka.topics.inbound, timeoutMs: config.kafka.publishTimeoutMs, logger,
      lingerMs: config.kafka.lingerMs }),
    webhooks,
    logger,
    metrics: createGatewayMetrics(infra.registry),
    ops: { readiness: infra.readiness, registry: infra.registry },
    maxBodyBytes: config.http.maxBodyBytes,
    importMaxBytes: config.imports.maxBytes,
    whatsappAccounts: config.whatsapp.accounts.map((account) => account.name),
    liveEvents: infra.kafka && createLiveEvents({ kafka: infra.kafka, topics: config.kafka.topics, logger }),
    clock,
  };
  const { app, listener } = createHttp(deps);
  return {
    app,
    listener,
    contacts,
    deps,
    async start() {
      if (config.ownerApiKey) await contacts.access.bootstrapOwner(config.ownerApiKey);
      const webchat = config.webhooks.webchat;
      if (webchat) await contacts.webchat.sites.ensureDefault(webchat.publicOrigin ? [webchat.publicOrigin] : []);
      await contacts.start();
    },
    async stop() {
      await deps.liveEvents?.stop();
      await contacts.stop();
    },
  };
}
