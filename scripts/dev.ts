/**
 * `npm start` for a developer machine: a local Kafka (unless KAFKA_BROKERS is set), a database (DATABASE_URL,
 * else the server on 127.0.0.1:5432, else an embedded PostgreSQL with its data in `.data/postgres`) created
 * and migrated, then the gateway and the resolver (and the Telegram poller when TELEGRAM_MODE=polling) as
 * child processes. A child that dies is started again with backoff, as a process manager would in
 * production; Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { release } from '../db/migrate.js';
import { generateApiKey } from '../db/repositories/api-keys.js';
import { startLocalKafka, type LocalKafka } from './kafka/local-kafka.js';
import { localPostgres, LocalPostgresError, type LocalPostgres } from './postgres/local-postgres.js';

const DEV_OWNER_KEY_FILE = join('.kafka', 'dev-owner-key');
const DEV_WEBCHAT_SECRET_FILE = join('.kafka', 'dev-webchat-secret');
/** A child that ran this long before dying is restarted from the shortest pause again. */
const HEALTHY_RUN_MS = 30_000;
const logger = createLogger(process.env.LOG_LEVEL ?? 'info', 'dev');
const env: NodeJS.ProcessEnv = { ...process.env };
const children = new Set<ChildProcess>();
const stopping = new AbortController();
let kafka: LocalKafka | undefined;
let postgres: LocalPostgres | undefined;

async function main(): Promise<void> {
  if (!env.KAFKA_BROKERS) {
    kafka = await startLocalKafka({ name: 'dev', port: Number(env.LOCAL_KAFKA_PORT ?? 9092), log: (line) => logger.info(line) });
    env.KAFKA_BROKERS = kafka.brokers;
  }
  let database = 'the server in DATABASE_URL';
  if (!env.DATABASE_URL) {
    postgres = await localPostgres({ probe: env.LOCAL_POSTGRES_PROBE, dataDir: env.LOCAL_POSTGRES_DIR ?? join('.data', 'postgres'),
      port: Number(env.LOCAL_POSTGRES_PORT ?? 0), log: (line) => logger.info(line) });
    env.DATABASE_URL = `${postgres.server}/tributary`;
    database = postgres.description;
  }
  // The key itself never goes to the log: point at where it is kept instead.
  const keySource = env.OWNER_API_KEY ? '$OWNER_API_KEY' : `$(cat ${DEV_OWNER_KEY_FILE})`;
  env.OWNER_API_KEY ??= devSecret(DEV_OWNER_KEY_FILE, generateApiKey);
  // Web chat is on out of the box, so the demo page works; a deployment sets its own WEBCHAT_SECRET.
  env.WEBCHAT_SECRET ??= devSecret(DEV_WEBCHAT_SECRET_FILE, () => randomBytes(32).toString('hex'));
  const config = loadConfig(env);
  await release(config.database, logger.child({ module: 'migrate' }));
  const base = `http://${config.http.host}:${config.http.port}`;
  // For the person who ran `npm start`, whatever LOG_LEVEL says: where things are, and one thing to try.
  process.stderr.write([
    '', `Tributary is starting; gateway on ${base}`,
    `  database: ${database}${postgres?.dataDir ? ` (DATABASE_URL=${env.DATABASE_URL} for npm run keys/dlq/replay)` : ''}`,
    `  web chat demo: ${base}/webchat/demo`,
    `  try: curl -sS -X POST ${base}/v1/messages -H "Authorization: Bearer ${keySource}" -H 'Content-Type: application/json' `
      + `-d '{"id":"m1","account":"demo","sender":{"id":"u1","name":"Ada"},"text":"hello"}'`, '', ''].join('\n'));

  const processes: [string, string][] = [['gateway', 'gateway/main.ts'], ['resolver', 'resolvers/identity/main.ts']];
  // Without a public URL Telegram cannot call the gateway: the `telegram` process fetches updates instead.
  if (config.webhooks.telegram?.mode === 'polling') processes.push(['telegram', 'streams/telegram.ts']);
  if (config.email.mailboxes.length > 0) processes.push(['email', 'streams/email.ts']);
  if (config.whatsapp.accounts.length > 0) processes.push(['whatsapp', 'streams/whatsapp.ts']);
  for (const [name, entry] of processes) void keepRunning(name, entry);
}

/** Runs a child until Ctrl-C; when it dies, says so and starts it again after 1 s, 2 s, 4 s… (at most 30 s). */
async function keepRunning(name: string, entry: string): Promise<void> {
  for (let failures = 0; !stopping.signal.aborted;) {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: 'inherit' });
    children.add(child);
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((exited) =>
      child.once('exit', (exitCode, exitSignal) => exited({ code: exitCode, signal: exitSignal })));
    children.delete(child);
    if (stopping.signal.aborted) return;
    failures = Date.now() - startedAt > HEALTHY_RUN_MS ? 1 : failures + 1;
    const delayMs = Math.min(30_000, 1_000 * 2 ** (failures - 1));
    logger.error({ process: name, code, signal, restartInMs: delayMs }, `${name} exited; starting it again`);
    await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
  }
}

/** A secret for local use, made once and kept in `.kafka/` beside the local broker (never committed). */
function devSecret(file: string, generate: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync('.kafka', { recursive: true });
  const secret = generate();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function stop(code: number): Promise<void> {
  if (stopping.signal.aborted) return;
  stopping.abort();
  await Promise.all([...children].map((child) => new Promise<void>((exited) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited();
    child.once('exit', () => exited());
    child.kill('SIGTERM');
  })));
  await kafka?.stop();
  await postgres?.stop();
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch(async (error: unknown) => {
  // A local database that cannot start is a sentence that says what to do, not a stack trace.
  if (error instanceof LocalPostgresError) process.stderr.write(`\nnpm start: ${error.message}\n\n`);
  else logger.fatal({ err: error }, 'npm start failed');
  await stop(1);
});
