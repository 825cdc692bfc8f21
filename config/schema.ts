import { z } from 'zod';
import { parseMailboxes, type MailboxConfig } from './mailboxes.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
/** A WhatsApp account's name: how it is configured, logged and addressed in the admin API. */
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A 32-byte AES key written as 64 hex digits or as base64; undefined when it is neither. */
function stateKey(text: string): Buffer | undefined {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  return key.length === 32 && (/^[0-9a-f]{64}$/i.test(text) || key.toString('base64') === text) ? key : undefined;
}

const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.length > 0 && brokers.every((broker) => /^[^\s:]+:\d+$/.test(broker)), {
    message: 'must be a comma-separated list of host:port',
  });

/**
 * Every environment variable Tributary reads, with its default. The README's configuration table
 * is this schema in prose; keep the two together.
 */
export const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  WEB_CONCURRENCY: positiveInt.default(1),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://hooks.example.com' }).optional(),
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(5_000),
  OWNER_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SEARCH_TIMEOUT_MS: positiveInt.default(10_000),
  IMPORT_MAX_BYTES: positiveInt.default(10 * 1_048_576),
  IMPORT_MAX_ROWS: positiveInt.default(100_000),

  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/tributary'),
  DATABASE_POOL_MAX: positiveInt.default(10),

  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('tributary'),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"').default(''),
  KAFKA_TOPIC_PARTITIONS: positiveInt.default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(-1).default(-1),
  KAFKA_SSL: bool.default(false),
  KAFKA_SSL_REJECT_UNAUTHORIZED: bool.default(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_PUBLISH_TIMEOUT_MS: positiveInt.default(10_000),
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(2),

  RESOLVER_GROUP_ID: z.string().min(1).default('tributary-resolver'),
  RESOLVER_TRANSACTIONAL_ID: z.string().min(1).optional(),
  RESOLVER_METRICS_PORT: port.default(9464),
  RESOLVER_MAX_BATCH_BYTES: positiveInt.default(1_048_576),
  RESOLVER_CONCURRENCY: positiveInt.max(32).default(6),
  RESOLVER_FETCH_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(10),
  LEDGER_RETENTION_DAYS: positiveInt.max(3_650).default(30),
  BUSINESS_ADDRESSES: z.string().default('').transform((value) => value.split(',').map((address) => address.trim()).filter(Boolean)),

  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  META_APP_SECRET: z.string().min(1).optional(),
  META_VERIFY_TOKEN: z.string().min(1).optional(),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be a bot token from @BotFather, such as 123456:ABC-DEF…').optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/,
    'must be 1–256 characters of A-Z, a-z, 0-9, "_" and "-" (what Telegram accepts as secret_token)').optional(),
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook'),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  TELEGRAM_POLL_TIMEOUT_S: z.coerce.number().int().min(0).max(50).default(30),
  TELEGRAM_METRICS_PORT: port.default(9465),

  EMAIL_MAILBOXES: z.string().transform((value, context): MailboxConfig[] => {
    try {
      return parseMailboxes(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }).optional(),
  EMAIL_METRICS_PORT: port.default(9466),

  WEBCHAT_SECRET: z.string().transform((value) => value.split(',').map((secret) => secret.trim()).filter(Boolean))
    .refine((secrets) => secrets.length > 0 && secrets.every((secret) => secret.length >= 32),
      'must be one or more comma-separated secrets of at least 32 characters each (e.g. openssl rand -hex 32)').optional(),
  WHATSAPP_ACCOUNTS: z.string().transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean))
    .refine((names) => names.length > 0 && names.every((name) => ACCOUNT_NAME.test(name)),
      'must be a comma-separated list of account names (letters, digits, "_" and "-", up to 64 characters)')
    .refine((names) => new Set(names).size === names.length, 'names an account twice').optional(),
  WHATSAPP_GROUPS: z.string().transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean)).default([]),
  WHATSAPP_STATE_KEY: z.string().transform((value, context): Buffer[] => {
    const keys = value.split(',').map((key) => key.trim()).filter(Boolean).map(stateKey);
    if (keys.length === 0 || keys.some((key) => key === undefined)) {
      context.addIssue({ code: 'custom', message: 'must be one or more comma-separated 32-byte keys, base64 or hex (openssl rand -base64 32)' });
      return z.NEVER;
    }
    return keys as Buffer[];
  }).optional(),
  WHATSAPP_METRICS_PORT: port.default(9467),
  WEBCHAT_MAX_MESSAGE_CHARS: positiveInt.max(65_536).default(4_000),
  WEBCHAT_MESSAGES_PER_MINUTE: positiveInt.default(30),
  WEBCHAT_SESSIONS_PER_MINUTE: positiveInt.default(20),
  WEBCHAT_VISITOR_DAYS: positiveInt.max(400).default(180),
}).superRefine((env, context) => {
  const requireWith = (variable: keyof typeof env, needed: keyof typeof env, why: string) => {
    if (env[variable] !== undefined && env[needed] === undefined) {
      context.addIssue({ code: 'custom', path: [needed], message: `${needed} is required when ${variable} is set: ${why}` });
    }
  };
  requireWith('TWILIO_AUTH_TOKEN', 'PUBLIC_URL', 'Twilio signs the public URL it calls, so it must be known');
  requireWith('META_APP_SECRET', 'META_VERIFY_TOKEN', 'Meta checks the subscription with it before sending events');
  requireWith('META_VERIFY_TOKEN', 'META_APP_SECRET', 'without it no event can be verified');
  requireWith('TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_BOT_TOKEN', 'the bot the updates are for');
  if (env.TELEGRAM_MODE === 'polling' && !env.TELEGRAM_BOT_TOKEN) {
    context.addIssue({ code: 'custom', path: ['TELEGRAM_BOT_TOKEN'], message: 'TELEGRAM_BOT_TOKEN is required when TELEGRAM_MODE=polling' });
  }
  for (const name of env.WHATSAPP_GROUPS) {
    if (name !== '*' && !env.WHATSAPP_ACCOUNTS?.includes(name)) {
      context.addIssue({ code: 'custom', path: ['WHATSAPP_GROUPS'], message: `names "${name}", which is not in WHATSAPP_ACCOUNTS` });
    }
  }
  if (env.KAFKA_SASL_MECHANISM && !(env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD)) {
    context.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_USERNAME'],
      message: 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set',
    });
  }
});

export type Env = z.infer<typeof envSchema>;
