import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SASLOptions } from 'kafkajs';
import { describeIssues } from '../identity/parse.js';
import { envSchema } from './schema.js';
import type { MailboxConfig } from './mailboxes.js';
import { topicsWithPrefix, type Topics } from './topics.js';

export type { MailboxConfig } from './mailboxes.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  ssl: boolean | { rejectUnauthorized: boolean };
  sasl?: SASLOptions;
  topics: Topics;
  partitions: number;
  replicationFactor: number;
  publishTimeoutMs: number;
  /** How long the gateway's publisher waits for more requests to share a produce request. */
  lingerMs: number;
}

/** The web-chat channel we host: enabled with WEBCHAT_SECRET. */
export interface WebchatConfig {
  /** The first signs visitor tokens, all verify them: a secret is rotated by putting the new one first. */
  secrets: string[];
  maxMessageChars: number;
  /** Per visitor; an address may send five times as many (several visitors behind one network). */
  messagesPerMinute: number;
  /** Per address. */
  sessionsPerMinute: number;
  /** How long a browser stays the same visitor without coming back. */
  visitorDays: number;
  /** PUBLIC_URL's origin, which the `default` site allows. */
  publicOrigin?: string;
}

/** Secrets per webhook provider. A provider whose secret is absent is disabled: its routes answer 404. */
export interface WebhooksConfig {
  webchat?: WebchatConfig;
  /** `publicUrl` is the base URL Twilio calls and signs (behind a proxy the Host header cannot be trusted). */
  twilio?: { authToken: string; publicUrl: string };
  meta?: { appSecret: string; verifyToken: string };
  telegram?: TelegramConfig;
}

export interface TelegramConfig {
  botToken: string;
  /** The bot's own id: the number before the colon of its token, and the account its envelopes carry. */
  botId: string;
  mode: 'webhook' | 'polling';
  /** Absent in polling mode: then the webhook route is disabled. */
  webhookSecret?: string;
  apiRoot: string;
  pollTimeoutS: number;
}

/** One WhatsApp number linked as a device (WhatsApp Web), run by the `whatsapp` process. */
export interface WhatsAppAccountConfig {
  /** The name it is configured and addressed by; the `account` of its envelopes. */
  name: string;
  /** Whether messages in groups the number belongs to become envelopes (off unless WHATSAPP_GROUPS names it). */
  groups: boolean;
}

export interface Config {
  logLevel: string;
  http: { host: string; port: number; maxBodyBytes: number; apiKeyCacheMs: number; searchTimeoutMs: number;
    /** Gateway workers serving the port (node cluster): one per core the gateway has to itself. */
    workers: number };
  ownerApiKey?: string;
  /** CSV imports: the largest file and the most rows one may have. */
  imports: { maxBytes: number; maxRows: number };
  database: { url: string; poolMax: number };
  kafka: KafkaConfig;
  resolver: { groupId: string; transactionalId: string; metricsPort: number; maxBatchBytes: number; concurrency: number;
    /** How long the broker may hold a fetch to gather more records, when fewer than 64 KiB are waiting. */
    fetchWaitMs: number;
    /** How long envelope ids are remembered (the dedupe window). */
    ledgerRetentionDays: number;
    /** The business's own email addresses and numbers (configured, and every mailbox's): never a customer's. */
    businessAddresses: string[] };
  webhooks: WebhooksConfig;
  /** The `telegram` process (polling mode): where it serves `/healthz`, `/readyz` and `/metrics`. */
  telegramProcess: { metricsPort: number };
  /** The `email` process: the IMAP mailboxes it reads, and where it serves its ops endpoints. */
  email: { mailboxes: MailboxConfig[]; metricsPort: number };
  /**
   * The `whatsapp` process. `stateKeys`: AES-256 keys for the stored pairing (the first encrypts, all decrypt);
   * none means it is stored in the clear.
   */
  whatsapp: { accounts: WhatsAppAccountConfig[]; stateKeys: Buffer[]; metricsPort: number };
}

/** The only reader of `process.env`: parses, validates and freezes the whole configuration. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration — ${describeIssues(parsed.error).join('; ')}`);
  }
  const e = parsed.data;
  const sasl = e.KAFKA_SASL_MECHANISM
    ? ({ mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME!, password: e.KAFKA_SASL_PASSWORD! } as SASLOptions)
    : undefined;
  return deepFreeze({
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT, workers: e.WEB_CONCURRENCY, maxBodyBytes: e.MAX_BODY_BYTES,
      apiKeyCacheMs: e.API_KEY_CACHE_MS, searchTimeoutMs: e.SEARCH_TIMEOUT_MS },
    ownerApiKey: e.OWNER_API_KEY,
    imports: { maxBytes: e.IMPORT_MAX_BYTES, maxRows: e.IMPORT_MAX_ROWS },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      ssl: e.KAFKA_SSL ? { rejectUnauthorized: e.KAFKA_SSL_REJECT_UNAUTHORIZED } : false,
      ...(sasl ? { sasl } : {}),
      topics: topicsWithPrefix(e.KAFKA_TOPIC_PREFIX),
      partitions: e.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      publishTimeoutMs: e.KAFKA_PUBLISH_TIMEOUT_MS,
      lingerMs: e.KAFKA_LINGER_MS,
    },
    resolver: {
      groupId: e.RESOLVER_GROUP_ID,
      // Unique per process unless pinned: a pinned id lets a restarted resolver fence its predecessor.
      transactionalId: e.RESOLVER_TRANSACTIONAL_ID ?? `${e.RESOLVER_GROUP_ID}-${hostname()}-${randomBytes(4).toString('hex')}`,
      metricsPort: e.RESOLVER_METRICS_PORT,
      maxBatchBytes: e.RESOLVER_MAX_BATCH_BYTES,
      concurrency: e.RESOLVER_CONCURRENCY,
      ledgerRetentionDays: e.LEDGER_RETENTION_DAYS,
      fetchWaitMs: e.RESOLVER_FETCH_WAIT_MS,
      businessAddresses: [...e.BUSINESS_ADDRESSES,
        ...(e.EMAIL_MAILBOXES ?? []).flatMap((mailbox) => [mailbox.address, ...mailbox.aliases])],
    },
    telegramProcess: { metricsPort: e.TELEGRAM_METRICS_PORT },
    email: { mailboxes: e.EMAIL_MAILBOXES ?? [], metricsPort: e.EMAIL_METRICS_PORT },
    whatsapp: {
      accounts: (e.WHATSAPP_ACCOUNTS ?? []).map((name) => ({ name, groups: e.WHATSAPP_GROUPS.includes(name) || e.WHATSAPP_GROUPS.includes('*') })),
      stateKeys: e.WHATSAPP_STATE_KEY ?? [],
      metricsPort: e.WHATSAPP_METRICS_PORT,
    },
    webhooks: {
      ...(e.WEBCHAT_SECRET ? { webchat: { secrets: e.WEBCHAT_SECRET, maxMessageChars: e.WEBCHAT_MAX_MESSAGE_CHARS,
        messagesPerMinute: e.WEBCHAT_MESSAGES_PER_MINUTE, sessionsPerMinute: e.WEBCHAT_SESSIONS_PER_MINUTE,
        visitorDays: e.WEBCHAT_VISITOR_DAYS, ...(e.PUBLIC_URL ? { publicOrigin: new URL(e.PUBLIC_URL).origin } : {}) } } : {}),
      // The schema requires PUBLIC_URL whenever TWILIO_AUTH_TOKEN is set.
      ...(e.TWILIO_AUTH_TOKEN ? { twilio: { authToken: e.TWILIO_AUTH_TOKEN, publicUrl: e.PUBLIC_URL!.replace(/\/$/, '') } } : {}),
      ...(e.META_APP_SECRET && e.META_VERIFY_TOKEN
        ? { meta: { appSecret: e.META_APP_SECRET, verifyToken: e.META_VERIFY_TOKEN } } : {}),
      ...(e.TELEGRAM_BOT_TOKEN ? { telegram: {
        botToken: e.TELEGRAM_BOT_TOKEN,
        botId: e.TELEGRAM_BOT_TOKEN.split(':')[0]!,
        mode: e.TELEGRAM_MODE,
        // A secret in polling mode would be unused; the webhook route stays off so nothing bypasses polling.
        ...(e.TELEGRAM_MODE === 'webhook' && e.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: e.TELEGRAM_WEBHOOK_SECRET } : {}),
        apiRoot: e.TELEGRAM_API_ROOT.replace(/\/$/, ''),
        pollTimeoutS: e.TELEGRAM_POLL_TIMEOUT_S,
      } } : {}),
    },
  });
}

function deepFreeze<T>(value: T): T {
  // A Buffer (a key) cannot be frozen; it is never handed out for writing.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
